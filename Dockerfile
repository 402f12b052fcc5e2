# The CRM image: gunicorn serves Django, WhiteNoise serves the static files collected at build time.
# The same image runs the Celery worker and beat (see docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=crm.settings.production \
    PORT=8000

WORKDIR /app

# An unprivileged user owns nothing but the media folder it may write to.
RUN groupadd --system crm \
    && useradd --system --gid crm --home-dir /app --no-create-home --shell /usr/sbin/nologin crm

# Dependencies first, so a code change does not reinstall them.
COPY requirements/ requirements/
RUN pip install -r requirements/prod.txt

COPY . .

# Collected with the base settings: they need no secrets, and production's STORAGES are the same.
RUN DJANGO_SETTINGS_MODULE=crm.settings.base python manage.py collectstatic --noinput --verbosity 0 \
    && mkdir -p /app/media && chown crm:crm /app/media

USER crm
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD python -c "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status != 200)"

CMD ["sh", "-c", "exec gunicorn crm.wsgi --bind 0.0.0.0:${PORT} --workers ${WEB_CONCURRENCY:-3} --access-logfile - --forwarded-allow-ips='*'"]
