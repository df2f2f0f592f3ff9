# The Task Center image: one image for web processes (the default command) and timer workers
# (`python manage.py run_worker`). compose.yaml shows both behind nginx; README "Running in production".
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
RUN useradd --system --home-dir /app --uid 10001 taskcenter

# Dependencies first: this layer is rebuilt only when the lock changes.
COPY requirements.lock ./
RUN pip install -r requirements.lock

COPY . .
# collectstatic reads settings only (no database, no real secret); serve re-runs it at start, so the
# directory must stay writable by the user the processes run as.
RUN SECRET_KEY=collectstatic-at-build-time python manage.py collectstatic --noinput \
    && chown -R taskcenter:taskcenter /app/staticfiles

USER taskcenter
# Timers are fired by separate `run_worker` containers, never inside a web process.
ENV HOST=0.0.0.0 \
    PORT=8000 \
    EMBEDDED_WORKER=false
EXPOSE 8000
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2)"]
CMD ["python", "manage.py", "serve", "--no-worker", "--host", "0.0.0.0"]
