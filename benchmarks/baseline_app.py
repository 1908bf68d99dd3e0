"""The stack's ceiling for ``benchmarks/load.py``: Flask + SQLAlchemy (``select 1`` on
the same PostgreSQL database) + a small Jinja page, nothing of Visionswerk. Served by
gunicorn with the product's settings:

    DATABASE_URL=postgresql://… gunicorn -c python:visionswerk.platform.gunicorn_conf \\
        --chdir benchmarks baseline_app:app
"""

from __future__ import annotations

import os

from flask import Flask, render_template_string
from sqlalchemy import create_engine, text

PAGE = """<!doctype html>
<html lang="de"><head><meta charset="utf-8"><title>{{ title }}</title></head>
<body><main><h1>{{ title }}</h1>
<ul>{% for item in items %}<li>{{ item }}</li>{% endfor %}</ul>
<p>Datenbank: {{ answer }}</p></main></body></html>
"""

url = os.environ["DATABASE_URL"]
if url.startswith("postgresql://"):
    url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
engine = create_engine(url, pool_pre_ping=True)
app = Flask(__name__)


@app.get("/")
def index() -> str:
    with engine.connect() as conn:
        answer = conn.execute(text("select 1")).scalar()
    items = [f"Aufgabe {i}" for i in range(5)]
    return render_template_string(PAGE, title="Meine Aufgaben", items=items, answer=answer)
