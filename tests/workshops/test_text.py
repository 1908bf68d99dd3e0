"""Text: Markdown rendered to sanitised HTML, limits with German messages, and umlauts,
ß and emoji round-tripping through every service that stores text."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from visionswerk.db import db
from visionswerk.tenants.accounts import InvalidField
from visionswerk.workshops import services as ws
from visionswerk.workshops import text as texts
from visionswerk.workshops.models import Comment, Draft, DraftFeedback, PairProposal, Strength

XSS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=https://evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    "![bild](https://evil.example/track.png)",
    "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "[klick](javascript:alert(1))",
    "[klick](JaVaScRiPt:alert(1))",
    "[klick](&#x6A;avascript:alert(1))",
    "[klick](java\tscript:alert(1))",
    "<javascript:alert(1)>",
    "[x](vbscript:msgbox(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    '<a href="javascript:alert(1)">x</a>',
    "<style>body{display:none}</style>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    '<iframe src="https://evil.example"></iframe>',
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<math><mtext></table><img src onerror=alert(1)>",
    '<p onclick="alert(1)">x</p>',
    "<details open ontoggle=alert(1)>",
    "<object data=https://evil.example></object><embed src=https://evil.example>",
    '[x](https://ok.example "\\" onmouseover=\\"alert(1)")',
    "<!-- <script>alert(1)</script> -->",
    "<form action=https://evil.example><input name=p></form>",
    "<meta http-equiv=refresh content='0;url=https://evil.example'>",
]
ALLOWED_SCHEMES = ("http://", "https://", "mailto:")


class Inspector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in texts.ALLOWED_TAGS:
            self.problems.append(f"tag {tag}")
        for name, value in attrs:
            if name.startswith("on") or name in {"style", "src", "srcdoc", "formaction"}:
                self.problems.append(f"attribute {name}")
            if name == "href" and not (value or "").lower().startswith(ALLOWED_SCHEMES):
                self.problems.append(f"href {value}")
            if "javascript:" in (value or "").lower():
                self.problems.append(f"javascript in {name}")
        if tag == "a" and dict(attrs).get("rel") != "noopener nofollow ugc":
            self.problems.append("link without rel")


def problems(html: str) -> list[str]:
    inspector = Inspector()
    inspector.feed(html)
    return inspector.problems


@pytest.mark.parametrize("payload", XSS)
def test_no_payload_survives_rendering(payload: str) -> None:
    assert problems(texts.render_markdown(payload)) == []
    assert problems(texts.render_markdown(f"Text davor\n\n{payload}\n\n**fett**")) == []


def test_the_inspector_catches_what_it_should() -> None:
    assert problems('<img src=x onerror=alert(1)><a href="javascript:x">y</a>') != []


def test_markdown_still_works_and_links_are_marked() -> None:
    html = texts.render_markdown(
        "# Überschrift\n\n**Fett**, _kursiv_ und [Link](https://example.org) 🌻\n\n- eins\n- zwei"
    )
    assert "<h3>Überschrift</h3>" in html
    assert "<strong>Fett</strong>" in html and "<em>kursiv</em>" in html
    assert '<a href="https://example.org" rel="noopener nofollow ugc">Link</a>' in html
    assert "<li>eins</li>" in html and "🌻" in html
    image = texts.render_markdown("![Plan](https://example.org/plan.png)")
    assert "<img" not in image  # no third-party request from a page
    assert '<a href="https://example.org/plan.png" rel="noopener nofollow ugc">Plan</a>' in image


def test_every_stored_text_field_renders_safely(make) -> None:
    """Every payload through every text field of every service, read back, rendered."""
    s = make.workshop(phase="pairs", participants=2)
    payload = "\n\n".join(XSS)
    with s.scope():
        pair = ws.pairs(s.facilitator, s.workshop)[0]
        a, b = s.participants
        draft_b = ws.draft_for(b, s.workshop)
        assert draft_b is not None
        ws.save_feedback(a, pair, draft_b, especially_good=payload, to_sharpen=payload)
        ws.save_proposal(a, pair, payload, XSS[:20], 0)
        ws.move(s.facilitator, s.workshop, "plenary")
        proposal = ws.proposal_of(a, pair)
        ws.mark_strength(a, proposal, payload[:500])
        ws.add_comment(b, proposal, payload[:2000])
        ws.save_vision(s.facilitator, s.workshop, "<script>alert(1)</script>", payload, 0)
        aspect = ws.ledger(s.facilitator, s.workshop).aspects[0]
        ws.set_aside(s.facilitator, aspect, payload[:500])
        db.flush()
        stored = [
            *db.scalars(select(DraftFeedback.especially_good)),
            *db.scalars(select(DraftFeedback.to_sharpen)),
            *db.scalars(select(PairProposal.text)),
            *[kw for kws in db.scalars(select(PairProposal.keywords)) for kw in kws],
            *db.scalars(select(Strength.note)),
            *db.scalars(select(Comment.text)),
            ws.vision_draft(s.facilitator, s.workshop).text,
            ws.vision_draft(s.facilitator, s.workshop).title,
            aspect.reason or "",
        ]
        assert sum("<script>" in v for v in stored) >= 5  # stored as typed ...
        for value in stored:
            assert problems(texts.render_markdown(value)) == []  # ... never rendered live


def test_umlauts_sharp_s_and_emoji_round_trip(make) -> None:
    s = make.workshop(phase="individual", participants=2)
    words = ["Bürgerbüro über Straße", "Größe 🚀", "Ärger 🙈 vermeiden"]
    text = "Wir träumen groß: Grüße aus Öd 🏔️ — „Anführungszeichen“ & ß."
    with s.scope():
        ws.save_draft(s.participants[0], s.workshop, keywords=words, text=text)
        db.commit()
        db.expire_all()
        stored = db.scalar(select(Draft).where(Draft.author_id == s.participants[0].id))
        assert stored is not None
        assert (stored.keywords, stored.text) == (words, text)
        assert "🏔️" in texts.render_markdown(stored.text)


def test_keywords_are_cleaned() -> None:
    assert texts.clean_keywords("  - Glasfaser \n\n* glasfaser\n1. Rathaus  online\n") == [
        "Glasfaser",
        "Rathaus online",
    ]
    assert texts.clean_keywords(["Straße", "STRASSE", "straße"]) == ["Straße"]  # casefold
    assert texts.clean_keywords(["a\x00b"]) == ["ab"]


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda: texts.clean_keywords(["x" * 81]), "keywords"),
        (lambda: texts.clean_keywords([f"k{i}" for i in range(31)]), "keywords"),
        (lambda: texts.clean_text("x" * 10_001, field="text", limit=texts.DRAFT_TEXT_MAX), "text"),
    ],
)
def test_limits_raise_german_messages_for_the_field(call, field: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidField) as err:
        call()
    assert err.value.field == field
    assert "höchstens" in str(err.value)


def test_limits_of_the_services(make) -> None:
    s = make.workshop(phase="individual", participants=2)
    with s.scope():
        with pytest.raises(InvalidField) as err:
            ws.save_draft(s.participants[0], s.workshop, keywords=[], text="ä" * 10_001)
        assert str(err.value) == (
            "Der Text darf höchstens 10000 Zeichen lang sein (jetzt sind es 10001)."
        )
        assert ws.draft_for(s.participants[0], s.workshop) is None
        ws.save_draft(s.participants[0], s.workshop, keywords=[], text="ä" * 10_000)
