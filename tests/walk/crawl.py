"""The link walk: one visitor per role follows, breadth-first, every same-origin link and
GET form of every page it can reach from its landing pages, with the Flask test client.

What counts as a finding:
- a link or GET form a page showed answers 403, 404 or 5xx (or sends a signed-in person
  to the login page): the reader was offered something they cannot follow;
- a POST form's action does not resolve to a route that takes POST (checked against the
  URL map, not sent: sending would change the world the walk is walking);
- a page's visible text shows a raw key (``workshop.set_parent``), an unrendered template
  placeholder, or a UTC time (``UTC``, ISO timestamps) — machine attributes such as
  ``datetime="…"`` are not visible text and are not checked.

Nothing is followed that logs out, unsubscribes or deletes; every other GET is safe to send
(GETs change nothing in this product).
"""

from __future__ import annotations

import collections
import dataclasses
import re
from collections.abc import Iterable
from html.parser import HTMLParser
from urllib.parse import urlencode, urljoin, urlsplit

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import RequestRedirect

from tests.conftest import CSRF_RE
from tests.walk.world import ACCOUNTS, World

ORIGIN = "localhost"
MAX_PAGES_PER_ROLE = 500
MAX_URLS_PER_ENDPOINT = 30  # per role: enough for every workshop, pair and report
MAX_QUERIES_PER_PATH = 3  # filter variants of one page (the overview's filters)
NEVER_FOLLOW = re.compile(r"^/abmelden(/|$)|loeschen|entfernen|widerrufen")
BAD = {403, 404} | set(range(500, 600))

# A raw key: dotted lower-case words with an underscore somewhere (workshop.set_parent), or a
# known namespace of the audit log and the policy (vision.sign, pair.work).
KEY = re.compile(
    r"(?<![\w@./-])(?:[a-z]+(?:_[a-z]+)+\.[a-z_]+|[a-z]+\.[a-z]+(?:_[a-z]+)+"
    r"|(?:workshop|vision|signatory|signature|draft|pair|proposal|aspect|membership|invitation"
    r"|report|tenant|user|account|token|strength|comment|phase|ledger)\.[a-z_]+)(?![\w@/-]|\.\w)"
)
PLACEHOLDER = re.compile(r"\{\{|\}\}|\{%|%\}|%\([a-z_]+\)[sd]")
UTC = re.compile(
    r"\bUTC\b|\bGMT\b|\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}|\d{1,2}:\d{2}(?::\d{2})?(?:\.\d+)?Z\b"
    r"|[+-]00:?00\b"
)


@dataclasses.dataclass(frozen=True)
class Finding:
    kind: str
    role: str
    phase: str
    page: str  # where it was shown
    detail: str
    group: str = ""  # what the report groups by: the page's endpoint, or source → target

    def __str__(self) -> str:
        return f"[{self.kind}] {self.role}/{self.phase}: {self.page} — {self.detail}"


@dataclasses.dataclass
class Page:
    role: str
    phase: str
    url: str
    endpoint: str
    status: int
    links: int = 0
    forms: int = 0


@dataclasses.dataclass
class Form:
    method: str
    action: str
    fields: list[tuple[str, str]]
    label: str


class _Parser(HTMLParser):
    """Links, forms and the text a person reads (text nodes and the readable attributes)."""

    READABLE = ("title", "aria-label", "placeholder", "alt")
    HIDDEN = {"script", "style", "template", "noscript"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, str]] = []
        self.assets: list[str] = []  # stylesheets, scripts, images the page loads
        self.forms: list[Form] = []
        self.text: list[str] = []
        self._skip = 0
        self._anchor: list[str] | None = None
        self._href = ""
        self._form: Form | None = None
        self._select: str | None = None
        self._select_value: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag in self.HIDDEN:
            self._skip += 1
        self.text += [a[k] for k in self.READABLE if a.get(k)]
        if tag in ("script", "img") and a.get("src"):
            self.assets.append(a["src"])
        elif (
            tag == "link"
            and a.get("href")
            and {"stylesheet", "icon"} & set(a.get("rel", "").split())
        ):
            self.assets.append(a["href"])
        if tag == "a" and "href" in a:
            self._anchor, self._href = [], a["href"]
        elif tag == "form":
            method = (a.get("method") or "get").lower()
            self._form = Form(method, a.get("action", ""), [], a.get("aria-label", ""))
        elif self._form is not None:
            self._field(tag, a)
        if tag == "input" and a.get("type") in ("submit", "button") and a.get("value"):
            self.text.append(a["value"])

    def _field(self, tag: str, a: dict[str, str]) -> None:
        assert self._form is not None
        kind = a.get("type", "text")
        if tag == "input" and a.get("name") and kind not in ("submit", "button", "file"):
            if kind not in ("checkbox", "radio") or "checked" in a:
                self._form.fields.append((a["name"], a.get("value", "")))
        elif tag == "select" and a.get("name"):
            self._select, self._select_value = a["name"], None
        elif tag == "option" and self._select is not None:
            if self._select_value is None or "selected" in a:
                self._select_value = a.get("value", "")
        elif tag == "textarea" and a.get("name"):
            self._form.fields.append((a["name"], ""))
        elif tag == "button" and not self._form.label:
            self._form.label = a.get("aria-label", "")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.HIDDEN and self._skip:
            self._skip -= 1
        elif tag == "a" and self._anchor is not None:
            self.links.append((self._href, " ".join("".join(self._anchor).split())))
            self._anchor = None
        elif tag == "select" and self._form is not None and self._select is not None:
            self._form.fields.append((self._select, self._select_value or ""))
            self._select = None
        elif tag == "form" and self._form is not None:
            self.forms.append(self._form)
            self._form = None

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        self.text.append(data)
        if self._anchor is not None:
            self._anchor.append(data)


def visible_text(html: str) -> str:
    parser = _Parser()
    parser.feed(html)
    return " ".join(" ".join(parser.text).split())


def text_findings(text: str) -> Iterable[tuple[str, str]]:
    """(kind, excerpt) for every raw key, placeholder and UTC time in a page's text."""
    for kind, pattern in (("raw key", KEY), ("placeholder", PLACEHOLDER), ("UTC time", UTC)):
        for m in pattern.finditer(text):
            start, end = max(0, m.start() - 40), min(len(text), m.end() + 40)
            yield kind, f"{m.group(0)!r} in “…{text[start:end].strip()}…”"


class Walker:
    """The walk of one role: its own test client (cookie jar), its own visited set."""

    def __init__(self, app: Flask, world: World, role: str) -> None:
        self.app, self.world, self.role = app, world, role
        self.client: FlaskClient = app.test_client()
        self.adapter = app.url_map.bind(ORIGIN)
        self.pages: dict[str, Page] = {}
        self.findings: list[Finding] = []
        self.checked: dict[str, int] = {}  # target → final status
        self.per_endpoint: collections.Counter[str] = collections.Counter()
        self.links = self.forms = self.post_forms = 0
        self.truncated: set[str] = set()
        self.pair_phase = world.pair_phases
        self.must_open: set[str] = set()
        self.variants: collections.Counter[tuple[str, str]] = collections.Counter()

    # --- who and where ----------------------------------------------------------------------

    def login(self) -> None:
        if self.role not in ACCOUNTS:
            return
        html = self.client.get("/anmelden").get_data(as_text=True)
        match = CSRF_RE.search(html)
        assert match, "no CSRF token on /anmelden"
        response = self.client.post(
            "/anmelden",
            data={
                "email": ACCOUNTS[self.role],
                "password": self.world.password,
                "csrf_token": match.group(1) or match.group(2),
            },
        )
        assert response.status_code == 302, f"{self.role} cannot log in"
        code = self.world.totp_code(self.role)
        if code is not None:  # two-factor login: the code step comes next
            assert response.headers["Location"].startswith("/anmelden/code"), self.role
            html = self.client.get("/anmelden/code").get_data(as_text=True)
            match = CSRF_RE.search(html)
            assert match, "no CSRF token on /anmelden/code"
            token = match.group(1) or match.group(2)
            response = self.client.post("/anmelden/code", data={"code": code, "csrf_token": token})
            assert response.status_code == 302, f"{self.role} cannot log in with a code"

    def landing(self) -> list[str]:
        """Where this role starts: the pages the product sends them to (home, tasks, the
        account, their tenant, the admin page) and the workshop page of every phase. Those
        in ``must_open`` have to open; the others count only when a page links to them."""
        if self.role == "signatory":
            self.must_open = set(self.world.sign_links.values())
            return list(self.must_open)
        pages = ["/", "/aufgaben", "/konto", "/benachrichtigungen"]
        if self.role == "admin":
            pages.append("/admin/")
        elif self.role == "coordinator":
            pages += [f"/{self.world.region}/", f"/{self.world.region}/uebersicht", "/uebersicht"]
        else:
            pages.append(f"/{self.world.town}/")
        self.must_open = set(pages)
        town = self.world.town
        workshops = [f"/{town}/workshops/{wid}/" for wid in self.world.workshops.values()]
        if self.role in ("facilitator", "participant"):
            self.must_open |= set(workshops)
        return pages + workshops

    def endpoint(self, path: str, method: str = "GET") -> str | None:
        try:
            endpoint, _ = self.adapter.match(path, method=method)
        except RequestRedirect as r:
            return self.endpoint(urlsplit(r.new_url).path, method)
        except (NotFound, MethodNotAllowed):
            return None
        return endpoint

    def phase(self, path: str) -> str:
        for pattern, lookup in (
            (r"/(?:workshops|werkstatt)/(\d+)", lambda i: self.world.phase_of(int(i))),
            (r"/paare/(\d+)$", lambda i: self.pair_phase.get(int(i))),
            (r"/visionen/(\d+)$", lambda i: self.world.version_phases.get(int(i))),
        ):
            m = re.search(pattern, path)
            if m and (found := lookup(m.group(1))):
                return found
        for phase, link in self.world.sign_links.items():
            if path == link:
                return phase
        return "–"

    # --- the walk ---------------------------------------------------------------------------

    def run(self) -> Walker:
        self.login()
        queue: collections.deque[tuple[str, str, str]] = collections.deque(
            (url, "", "landing page") for url in self.landing()
        )
        while queue:
            url, source, text = queue.popleft()
            for target, label in self.visit(url, source, text):
                queue.append((target, url, label))
        return self

    def _fetch(self, url: str):  # type: ignore[no-untyped-def]
        response = self.client.get(url)
        hops = 0
        while response.status_code in (301, 302, 303, 307, 308) and hops < 5:
            response.close()
            url = urljoin(url, response.headers["Location"])
            response = self.client.get(url)
            hops += 1
        return url, response

    def visit(self, url: str, source: str, label: str) -> list[tuple[str, str]]:
        """Fetch ``url`` once (a finding if a page offered it and it fails); if it is a new
        HTML page, check its text and return the links and GET forms it offers."""
        if url in self.checked:
            self._judge(url, self.checked[url], source, label, url)
            return []
        parts = urlsplit(url)
        endpoint = self.endpoint(parts.path) or "?"
        self.per_endpoint[endpoint] += 1
        if parts.query:
            self.variants[(endpoint, parts.path)] += 1
        if (
            self.per_endpoint[endpoint] > MAX_URLS_PER_ENDPOINT
            or self.variants[(endpoint, parts.path)] > MAX_QUERIES_PER_PATH
            or len(self.pages) >= MAX_PAGES_PER_ROLE
        ):
            self.truncated.add(endpoint)
            return []
        final, response = self._fetch(url)
        html = response.get_data(as_text=True) if response.mimetype == "text/html" else None
        response.close()  # static files stream from an open file
        status = response.status_code
        if self.role in ACCOUNTS and urlsplit(final).path == "/anmelden":
            status = 401  # a signed-in person sent to the login page
        self.checked[url] = status
        self._judge(url, status, source, label, final)
        if html is None or final in self.pages:
            return []
        final_path = urlsplit(final).path
        page = Page(self.role, self.phase(final_path), final, self.endpoint(final_path) or "?",
                    status)  # fmt: skip
        self.pages[final] = page
        return self.read(page, html)

    def _judge(self, url: str, status: int, source: str, label: str, final: str) -> None:
        if status not in BAD and status != 401:
            return
        if not source and status in (403, 404) and url not in self.must_open:
            return  # a landing page the role is not given is no shown link; a 5xx still counts
        what = {401: "login page"}.get(status, str(status))
        shown = f"link “{label}” on {source}" if source else "landing page"
        where = self.phase(urlsplit(source or url).path)
        group = f"{self.endpoint(urlsplit(source).path) if source else 'landing'} → " + (
            self.endpoint(urlsplit(url).path) or "?"
        )
        self.findings.append(
            Finding(f"link → {what}", self.role, where, source or url,
                    f"{shown} → {url}" + (f" (ends at {final})" if final != url else ""), group)
        )  # fmt: skip

    def read(self, page: Page, html: str) -> list[tuple[str, str]]:
        parser = _Parser()
        parser.feed(html)
        hits: dict[str, list[str]] = collections.defaultdict(list)
        for kind, excerpt in text_findings(visible_text(html)):
            hits[kind].append(excerpt)
        for kind, excerpts in hits.items():
            more = f" (+{len(excerpts) - 1} more on the page)" if len(excerpts) > 1 else ""
            self.findings.append(
                Finding(kind, self.role, page.phase, page.url, excerpts[0] + more, page.endpoint)
            )
        found: list[tuple[str, str]] = []
        for href, text in parser.links:
            target = self._same_origin(page.url, href)
            if target is None:
                continue
            page.links += 1
            self.links += 1
            found.append((target, text or href))
        for src in parser.assets:
            target = self._same_origin(page.url, src)
            if target is not None:
                found.append((target, f"asset {src}"))
        for form in parser.forms:
            page.forms += 1
            self.forms += 1
            target = self._same_origin(page.url, form.action or page.url, follow_all=True)
            if target is None:
                continue
            if form.method == "get":
                query = urlencode([(k, v) for k, v in form.fields if k != "csrf_token"])
                found.append((target.split("?")[0] + (f"?{query}" if query else ""),
                              f"form {form.label or target}"))  # fmt: skip
            else:
                self.post_forms += 1
                if self.endpoint(urlsplit(target).path, "POST") is None:
                    self.findings.append(
                        Finding("form → no POST route", self.role, page.phase, page.url,
                                f"form “{form.label}” posts to {target}", page.endpoint)
                    )  # fmt: skip
        return found

    def _same_origin(self, base: str, href: str, follow_all: bool = False) -> str | None:
        href = href.strip()
        if not href or href.startswith(("#", "mailto:", "tel:", "javascript:", "data:")):
            return None
        target = urljoin("http://localhost" + base, href)
        parts = urlsplit(target)
        if parts.hostname != ORIGIN or parts.scheme not in ("http", "https"):
            return None
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        if not follow_all and NEVER_FOLLOW.search(parts.path):
            return None
        return path


# Pages no link has to lead to: reached from a mail (tokens), polled by scripts, machine
# formats, the API, the developer tools and the login flow; more_hints: fetched by
# workbench.js, a link only when a page is over its budget of suggested passages.
NOT_LINKED = re.compile(
    r"^static$|^(api|api_tokens|health|dev)\.|^(accounts\.reset_password|tenancy\.accept"
    r"|reports\.unsubscribe(_old)?|reports\.status|reports\.download_html|workshops\.sign_link"
    r"|workshops\.index|workshops\.more_hints|mfa\.login_code|workshops\.projector_(state|live))$"
)  # _old: the address of old mails; index: a redirect; projector_state/_live: what the
# projector page's script polls


@dataclasses.dataclass
class Walk:
    walkers: list[Walker]
    app: Flask
    region: str  # slug of the region

    @property
    def findings(self) -> list[Finding]:
        seen: dict[tuple[str, str, str, str], Finding] = {}
        for w in self.walkers:
            for f in w.findings:
                seen.setdefault((f.kind, f.role, f.page, f.detail), f)
        return list(seen.values()) + self.unreached()

    def unreached(self) -> list[Finding]:
        """Every page of the product is offered to somebody: a GET route no role reached by
        following links is a page nobody can find (e.g. reports only linked from a mail)."""
        reached = {e for w in self.walkers for e in w.per_endpoint}
        routes = {
            r.endpoint
            for r in self.app.url_map.iter_rules()
            if "GET" in (r.methods or ()) and not NOT_LINKED.search(r.endpoint)
        }
        return [
            Finding("no link leads here", "all", "–", endpoint,
                    f"no role of the walk found a link to {endpoint}", endpoint)
            for endpoint in sorted(routes - reached)
        ]  # fmt: skip

    def pages(self) -> list[Page]:
        return [p for w in self.walkers for p in w.pages.values()]

    def distinct(self, every_role: bool = False) -> list[Page]:
        """One page per endpoint, phase and kind of tenant — the richest variant (most forms,
        then links: the role that sees the most of it) — or, with ``every_role``, one per role
        too."""
        chosen: dict[tuple[str, ...], Page] = {}
        for p in self.pages():
            if not (p.status < 400 or p.status == 410):  # 410: a used signing link's page
                continue
            region = p.url.startswith(f"/{self.region}/")  # a region's page differs from a town's
            key = (p.endpoint, p.phase, str(region), p.role if every_role else "")
            best = chosen.get(key)
            if best is None or (p.forms, p.links) > (best.forms, best.links):
                chosen[key] = p
        return list(chosen.values())

    def summary(self) -> str:
        phases = sorted({p.phase for p in self.pages()} - {"–"})
        pages = self.pages()
        links = sum(w.links for w in self.walkers)
        forms = sum(w.forms for w in self.walkers)
        targets = sum(len(w.checked) for w in self.walkers)
        kinds = collections.Counter(f.kind for f in self.findings)
        found = ", ".join(f"{n} {k}" for k, n in sorted(kinds.items())) or "none"
        cut = sorted({e for w in self.walkers for e in w.truncated})
        return (
            f"[link walk] {len(self.walkers)} roles × {len(phases)} phases: {len(pages)} pages "
            f"({len({p.endpoint for p in pages})} endpoints; distinct by endpoint+phase: "
            f"{len(self.distinct())}, by role+endpoint+phase: {len(self.distinct(True))}), "
            f"{links} links ({targets} distinct targets), {forms} forms "
            f"({sum(w.post_forms for w in self.walkers)} POST); findings: {found}"
            + (f"; capped endpoints: {', '.join(cut)}" if cut else "")
        )

    def report(self) -> str:
        """Every finding, grouped by kind and cause (the page's endpoint, or the link's source
        and target endpoints), with who saw it in which phase and one example each."""
        groups: dict[tuple[str, str], list[Finding]] = collections.defaultdict(list)
        for f in self.findings:
            groups[(f.kind, f.group)].append(f)
        lines = [self.summary()]
        for (kind, group), found in sorted(groups.items()):
            who = sorted({f"{f.role}/{f.phase}" for f in found})
            lines.append(f"\n[{kind}] {group}: {len(found)}× — {', '.join(who)}")
            examples = {f.detail.split(" (+")[0]: f for f in found}
            for detail, f in list(examples.items())[:3]:
                lines.append(f"    e.g. {f.role}/{f.phase} {f.page}: {detail}")
        return "\n".join(lines)


def walk(app: Flask, world: World, roles: Iterable[str]) -> Walk:
    return Walk([Walker(app, world, role).run() for role in roles], app, world.region)
