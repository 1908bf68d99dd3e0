# One image for the web app (default command), the Celery worker and beat:
#   docker run IMAGE                                              # gunicorn on :8000
#   docker run IMAGE celery -A visionswerk.worker.app worker
#   docker run IMAGE celery -A visionswerk.worker.app beat --schedule=/var/lib/visionswerk/celerybeat-schedule
#   docker run IMAGE visionswerk db upgrade                       # before each new version
# Settings come from the environment (README: Settings); SECRET_KEY is required.
# gunicorn takes its worker count from WEB_CONCURRENCY and extra flags from GUNICORN_CMD_ARGS.

# --- build: compile the translations, build the wheel --------------------------------
FROM python:3.11-slim AS build

ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /build
RUN pip install "Babel>=2.14"
COPY pyproject.toml README.md babel.cfg ./
COPY src ./src
RUN pybabel compile --statistics -d src/visionswerk/platform/translations \
 && pip wheel --no-deps --wheel-dir /wheels .

# --- runtime ---------------------------------------------------------------------------
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VISIONSWERK_ENV=production \
    VISIONSWERK_INSTANCE=/var/lib/visionswerk \
    VISIONSWERK_MIGRATIONS=/app/migrations \
    WEB_CONCURRENCY=3

# WeasyPrint (reports in the worker) needs Pango and a font with umlauts.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 visionswerk \
 && useradd --system --uid 10001 --gid visionswerk --no-create-home \
      --home-dir /var/lib/visionswerk --shell /usr/sbin/nologin visionswerk \
 && install -d -o visionswerk -g visionswerk -m 0750 /var/lib/visionswerk

COPY --from=build /wheels /wheels
RUN pip install /wheels/*.whl && rm -rf /wheels

WORKDIR /app
COPY alembic.ini ./
COPY migrations ./migrations

USER visionswerk
VOLUME ["/var/lib/visionswerk"]
EXPOSE 8000

# gunicorn_conf: access log on stdout with the tokens of links redacted (see logs.py)
CMD ["gunicorn", "-c", "python:visionswerk.platform.gunicorn_conf", "visionswerk.platform.wsgi:app"]
