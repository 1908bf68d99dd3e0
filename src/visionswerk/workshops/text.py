"""What people type: limits, cleaning, and Markdown rendered to sanitised HTML.

* :func:`render_markdown` — Markdown (CommonMark with tables and strikethrough, raw HTML
  disabled, images shown as links) rendered by markdown-it-py, then cleaned by nh3 with an
  allow-list: no script, style, iframe, svg, image, event attribute or non-http(s)/mailto
  URL survives; links get ``rel="noopener nofollow ugc"``. Headings are shifted down
  (``#`` → ``<h3>``) so user text never breaks the page's heading order.
* :func:`clean_text` / :func:`clean_keywords` — strip, normalise line endings, drop NUL
  and other control characters, enforce limits with plain German messages (raised as
  ``InvalidField`` so the web layer shows them beside the field). Umlauts, ß and emoji
  are kept as typed.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Iterable

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token

from visionswerk.i18n import N_
from visionswerk.tenants.accounts import InvalidField

# --- limits -------------------------------------------------------------------------

TITLE_MAX = 200
GUIDING_QUESTION_MAX = 1_000
DRAFT_TEXT_MAX = 10_000
KEYWORD_MAX = 80
KEYWORDS_MAX = 30
PROPOSAL_TEXT_MAX = 10_000
VISION_TEXT_MAX = 20_000
FEEDBACK_MAX = 2_000
COMMENT_MAX = 2_000
STRENGTH_NOTE_MAX = 500
REASON_MAX = 500
PASSAGE_MAX = 1_000
NAME_MAX = 120
FUNCTION_MAX = 120
GROUP_LABEL_MAX = 200

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_BULLET = re.compile(r"^\s*(?:[-*+•·–]|\d+[.)])\s+")

TOO_LONG = N_("Der Text darf höchstens %(n)d Zeichen lang sein (jetzt sind es %(count)d).")
REQUIRED = N_("Bitte füllen Sie dieses Feld aus.")


def normalize(value: str | None) -> str:
    """Line endings to LF, control characters (except tab and newline) removed,
    surrounding whitespace stripped. Keeps umlauts, ß and emoji as typed."""
    if not value:
        return ""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", value).strip()


def clean_text(
    value: str | None,
    *,
    field: str,
    limit: int,
    required: bool = False,
    required_message: str = REQUIRED,
    too_long_message: str = TOO_LONG,
) -> str:
    text = normalize(value)
    if required and not text:
        raise InvalidField(field, required_message)
    if len(text) > limit:
        raise InvalidField(field, too_long_message, n=limit, count=len(text))
    return text


def clean_line(
    value: str | None,
    *,
    field: str,
    limit: int,
    required: bool = False,
    required_message: str = REQUIRED,
) -> str:
    """One line (titles, names, functions): whitespace collapsed."""
    text = " ".join(normalize(value).split())
    if required and not text:
        raise InvalidField(field, required_message)
    if len(text) > limit:
        raise InvalidField(
            field,
            N_("Bitte kürzen Sie auf höchstens %(n)d Zeichen (jetzt sind es %(count)d)."),
            n=limit,
            count=len(text),
        )
    return text


def clean_keywords(value: str | Iterable[str] | None, *, field: str = "keywords") -> list[str]:
    """Keywords from a list or from text with one keyword per line: each stripped (a
    leading list marker like "- " or "1." removed), whitespace collapsed, empty ones
    dropped, duplicates (ignoring case) dropped keeping the first; at most
    KEYWORDS_MAX of at most KEYWORD_MAX characters each."""
    if value is None:
        return []
    items = value.splitlines() if isinstance(value, str) else list(value)
    result: list[str] = []
    seen: set[str] = set()
    for item in items:
        if not isinstance(item, str):
            raise InvalidField(field, N_("Stichpunkte müssen Text sein."))
        keyword = " ".join(_BULLET.sub("", normalize(item)).split())
        if not keyword:
            continue
        if len(keyword) > KEYWORD_MAX:
            raise InvalidField(
                field,
                N_("Ein Stichpunkt darf höchstens %(n)d Zeichen lang sein: „%(start)s…“"),
                n=KEYWORD_MAX,
                start=keyword[:30],
            )
        folded = casefold(keyword)
        if folded in seen:
            continue
        seen.add(folded)
        result.append(keyword)
    if len(result) > KEYWORDS_MAX:
        raise InvalidField(
            field,
            N_("Bitte höchstens %(n)d Stichpunkte (jetzt sind es %(count)d)."),
            n=KEYWORDS_MAX,
            count=len(result),
        )
    return result


def casefold(value: str) -> str:
    return unicodedata.normalize("NFC", value).casefold()


def contains_passage(text: str, passage: str) -> bool:
    """Does ``passage`` occur in ``text``? Compared after NFC normalisation, ignoring
    case and runs of whitespace (a line break in the text matches a space)."""

    def fold(s: str) -> str:
        return " ".join(casefold(s).split())

    needle = fold(passage)
    return bool(needle) and needle in fold(text)


# --- Markdown → sanitised HTML -----------------------------------------------------

ALLOWED_TAGS = {
    "p",
    "br",
    "hr",
    "em",
    "strong",
    "del",
    "s",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "h3",
    "h4",
    "h5",
    "h6",
    "a",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "noopener nofollow ugc"
HEADING_OFFSET = 2

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
_md.enable(["table", "strikethrough"])


def _shift_headings(tokens: list, offset: int) -> None:  # type: ignore[type-arg]
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            level = int(token.tag[1])
            token.tag = f"h{min(6, level + offset)}"


def _images_to_links(tokens: list) -> None:  # type: ignore[type-arg]
    """No images from user text (no third-party requests): ``![alt](url)`` becomes a
    link to ``url`` labelled ``alt``."""
    for token in tokens:
        if token.type != "inline" or not token.children:
            continue
        children = []
        for child in token.children:
            if child.type != "image":
                children.append(child)
                continue
            opening = Token("link_open", "a", 1, attrs={"href": child.attrGet("src") or ""})
            label = Token("text", "", 0, content=child.content or str(child.attrGet("src")))
            children += [opening, label, Token("link_close", "a", -1)]
        token.children = children


#: What the rendered-HTML cache may hold, in characters of text and HTML together.
RENDERED_CACHE_CHARS = 4_000_000
_rendered: OrderedDict[str, str] = OrderedDict()
_rendered_chars = 0
_rendered_lock = threading.Lock()


def render_markdown(text: str | None) -> str:
    """Markdown → HTML that is safe to insert into a page as is (mark it safe there).

    Remembered per process by the text itself (least recently used first out, at most
    :data:`RENDERED_CACHE_CHARS`): a plenary page shows the same 20 proposals to every
    participant, and parsing plus sanitising was a fifth of its CPU. The result depends
    on nothing but the text, so a changed text is simply another key."""
    global _rendered_chars
    if not text:
        return ""
    with _rendered_lock:
        html = _rendered.get(text)
        if html is not None:
            _rendered.move_to_end(text)
            return html
    html = _render(text)
    size = len(text) + len(html)
    if size > RENDERED_CACHE_CHARS // 8:
        return html  # a very long text would push out everything else
    with _rendered_lock:
        if text not in _rendered:
            _rendered[text] = html
            _rendered_chars += size
        while _rendered_chars > RENDERED_CACHE_CHARS:
            old_text, old_html = _rendered.popitem(last=False)
            _rendered_chars -= len(old_text) + len(old_html)
    return html


def _render(text: str) -> str:
    tokens = _md.parse(normalize(text))
    _shift_headings(tokens, HEADING_OFFSET)
    _images_to_links(tokens)
    html = _md.renderer.render(tokens, _md.options, {})
    return sanitize_html(html)


def sanitize_html(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel=LINK_REL,
        strip_comments=True,
    )
