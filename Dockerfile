# syntax=docker/dockerfile:1
# Build stage: install the hash-pinned dependencies and arenabot into a self-contained venv.
FROM python:3.11-slim AS build
WORKDIR /src
COPY requirements.lock pyproject.toml setup.py README.md ./
COPY scripts/install-deps.sh scripts/
COPY arenabot arenabot
COPY adapters adapters
COPY migrations migrations
RUN scripts/install-deps.sh /opt/arenabot

# Runtime stage: the venv only, a non-root user, the SQLite default on a volume.
FROM python:3.11-slim
RUN useradd --create-home --uid 10001 arenabot && mkdir /data && chown arenabot /data
COPY --from=build /opt/arenabot /opt/arenabot
ENV PATH=/opt/arenabot/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    ARENABOT_DATABASE_URL=sqlite+aiosqlite:////data/arenabot.db \
    ARENABOT_HTTP_HOST=0.0.0.0 \
    ARENABOT_HTTP_PORT=8080
VOLUME /data
WORKDIR /data
USER arenabot
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(f\"http://127.0.0.1:{os.environ['ARENABOT_HTTP_PORT']}/healthz\", timeout=4)"]
CMD ["arenabot", "run"]
