"""Helpers for the page tests: a browser-like visitor (own test client, logged in,
posting forms with the session's CSRF token) and HTML inspection."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.conftest import CSRF_RE
from tests.factories import PASSWORD


class Visitor:
    """One person with their own browser (cookie jar)."""

    def __init__(self, app: Flask, email: str | None = None, name: str = "") -> None:
        self.client: FlaskClient = app.test_client()
        self.name = name or email or "anonymous"
        self.token = ""
        if email is not None:
            self.token = self._token("/anmelden")
            response = self.client.post(
                "/anmelden", data={"email": email, "password": PASSWORD, "csrf_token": self.token}
            )
            assert response.status_code == 302, response.get_data(as_text=True)[:300]
        self.token = self._token("/anmelden")

    def _token(self, url: str) -> str:
        html = self.client.get(url, follow_redirects=True).get_data(as_text=True)
        match = CSRF_RE.search(html)
        assert match, f"no CSRF token on {url}"
        return match.group(1) or match.group(2)

    def get(self, url: str, status: int | None = 200) -> TestResponse:
        response = self.client.get(url)
        if status is not None:
            assert response.status_code == status, (
                f"{self.name}: GET {url} → {response.status_code}\n"
                + response.get_data(as_text=True)[:1500]
            )
        return response

    def html(self, url: str, status: int | None = 200) -> str:
        return self.get(url, status).get_data(as_text=True)

    def post(self, url: str, data: dict[str, Any] | None = None, status: int | None = None):  # type: ignore[no-untyped-def]
        payload = {"csrf_token": self.token, **(data or {})}
        response = self.client.post(url, data=payload)
        if status is not None:
            assert response.status_code == status, (
                f"{self.name}: POST {url} {data} → {response.status_code}\n"
                + response.get_data(as_text=True)[:3000]
            )
        return response

    def follow(self, response: TestResponse) -> str:
        """The page a redirect leads to (like a browser after a successful save)."""
        assert response.status_code == 302, response.status_code
        return self.html(response.headers["Location"])


class Tags(HTMLParser):
    """Every start tag with its attributes, and the text of <textarea>/<input> values."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)


def tags_of(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = Tags()
    parser.feed(html)
    return parser.tags


def text_of(html: str) -> str:
    """The page without tags, whitespace collapsed (for sentences split by markup)."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def url_of(response: TestResponse) -> str:
    return response.headers["Location"]
