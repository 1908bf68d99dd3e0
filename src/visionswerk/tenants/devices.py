"""A coarse, language-neutral description of a device from its User-Agent header
("Firefox, Windows"; "Mobile Safari, iOS (iPhone)") for the list of signed-in devices and
the authentication log. Parsed by ua-parser (the Browserscope rules, kept up to date by
that project) rather than by hand; only the description is stored, never the header."""

from __future__ import annotations

from functools import lru_cache

from ua_parser import parse

MAX_HEADER = 512
MAX_DESCRIPTION = 100
_GENERIC_DEVICES = {"Other", "Generic Smartphone", "Generic Feature Phone", "Spider", "Mac"}


@lru_cache(maxsize=512)
def describe(user_agent: str | None) -> str:
    """``"Firefox, Windows"``; ``""`` when the header tells nothing useful."""
    result = parse((user_agent or "")[:MAX_HEADER])
    parts = []
    if result.user_agent and result.user_agent.family != "Other":
        parts.append(result.user_agent.family)
    if result.os and result.os.family != "Other":
        parts.append(result.os.family)
    text = ", ".join(parts)
    device = result.device.family if result.device else None
    if text and device and device not in _GENERIC_DEVICES and device not in text:
        text += f" ({device})"
    return text[:MAX_DESCRIPTION]
