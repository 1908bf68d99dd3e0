"""The README documents every setting (one row per environment variable)."""

from __future__ import annotations

import re
from pathlib import Path

import visionswerk.platform.cli
import visionswerk.settings

ROOT = Path(__file__).resolve().parents[1]


def test_every_setting_has_a_row_in_the_readme_table() -> None:
    code = (
        Path(visionswerk.settings.__file__).read_text()
        + Path(visionswerk.platform.cli.__file__).read_text()
    )
    variables = set(re.findall(r"""(?:env|environ)\.get\(\s*["']([A-Z][A-Z0-9_]+)["']""", code))
    assert {"DATABASE_URL", "SECRET_KEY", "VISIONSWERK_MIGRATIONS"} <= variables
    readme = (ROOT / "README.md").read_text()
    rows = set(re.findall(r"^\| `([A-Z][A-Z0-9_]+)` \|", readme, flags=re.MULTILINE))
    assert sorted(variables - rows) == [], "add these settings to the README table"
    assert sorted(rows - variables) == [], "the README documents settings that do not exist"


def test_the_readme_names_the_local_outbox_page_and_the_unsubscribe_address() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert visionswerk.platform.cli.outbox_url("127.0.0.1", 5000) in readme
    assert "/erinnerungen-abbestellen/<token>" in readme
