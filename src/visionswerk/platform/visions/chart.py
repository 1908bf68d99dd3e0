"""A server-rendered SVG bar chart of where the municipalities stand: one bar per stage
with its name and count as text, so it reads without colour (and without the bars)."""

from __future__ import annotations

from collections.abc import Callable

from markupsafe import Markup, escape

from visionswerk.visions import services as vs

BAR_HEIGHT = 28
GAP = 10
LABEL_WIDTH = 150
BAR_MAX = 160
WIDTH = LABEL_WIDTH + BAR_MAX + 40  # about a phone's width: the text stays legible at 390 px


def stage_chart(counts: list[tuple[str, int]], translate: Callable[[str], str]) -> Markup:
    """``counts``: (stage, municipalities) in the order of ``vs.STAGES`` (``Page.stages``)."""
    biggest = max((n for _, n in counts), default=0) or 1
    height = len(counts) * (BAR_HEIGHT + GAP) + GAP
    title = translate("Wo die Kommunen stehen")
    summary = "; ".join(f"{translate(vs.STAGE_LABELS[stage])}: {n}" for stage, n in counts)
    desc = translate("Anzahl der Kommunen je Schritt") + ": " + summary
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="stage-chart" role="img" '
        f'viewBox="0 0 {WIDTH} {height}" width="100%" '
        f'aria-labelledby="chart-title chart-desc">',
        f'<title id="chart-title">{escape(title)}</title>',
        f'<desc id="chart-desc">{escape(desc)}</desc>',
    ]
    for i, (stage, n) in enumerate(counts):
        y = GAP + i * (BAR_HEIGHT + GAP)
        width = round(BAR_MAX * n / biggest)
        label = translate(vs.STAGE_LABELS[stage])
        parts.append(f'<g class="stage stage-{escape(stage)}">')
        parts.append(
            f'<text x="0" y="{y + BAR_HEIGHT * 0.7:.0f}" class="label">{escape(label)}</text>'
        )
        if width:
            parts.append(
                f'<rect x="{LABEL_WIDTH}" y="{y}" width="{width}" height="{BAR_HEIGHT}" '
                f'class="bar"/>'
            )
        parts.append(
            f'<text x="{LABEL_WIDTH + width + 8}" y="{y + BAR_HEIGHT * 0.7:.0f}" '
            f'class="count">{n}</text>'
        )
        parts.append("</g>")
    parts.append("</svg>")
    return Markup("".join(parts))
