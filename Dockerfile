# One image for both services; docker-compose.yml picks the process by command.
# On the one base every image of the repository uses (scripts/docker.sh makes
# it with debootstrap where it cannot be pulled): Debian's Python 3.11.
# Stage 1 installs the pinned requirements into a virtual environment; stage 2
# is the runtime, running as an unprivileged user.
#
# EXTRA_CA_CERTS (build argument, PEM text, default none): CA certificates to
# trust besides Debian's, for builds behind a TLS-intercepting proxy; they are
# trusted at run time too (the real FreeToGame through the same proxy).
FROM debian:bookworm-slim AS build
ARG DEBIAN_FRONTEND=noninteractive
ARG EXTRA_CA_CERTS=""
COPY infra/docker/add-ca-certs.sh /usr/local/bin/add-ca-certs
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates python3 python3-venv \
    && add-ca-certs \
    && rm -rf /var/lib/apt/lists/*
ENV PIP_CERT=/etc/ssl/certs/ca-certificates.crt \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1
RUN python3 -m venv /opt/venv
COPY requirements/ /build/requirements/
RUN /opt/venv/bin/pip install -q -r /build/requirements/base.txt

FROM debian:bookworm-slim AS runtime
ARG DEBIAN_FRONTEND=noninteractive
ARG EXTRA_CA_CERTS=""
COPY infra/docker/add-ca-certs.sh /usr/local/bin/add-ca-certs
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates python3 \
    && add-ca-certs \
    && rm -rf /var/lib/apt/lists/*
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    REQUESTS_CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt \
    PROJECT_LOCAL_DIR=/app/.local \
    STATIC_ROOT=/app/staticfiles \
    LOG_FORMAT=json \
    USERS_DJANGO_SETTINGS_MODULE=users_project.settings.production \
    GAMES_DJANGO_SETTINGS_MODULE=games_project.settings.production
RUN useradd --create-home --uid 10001 app
WORKDIR /app
COPY --from=build /opt/venv /opt/venv
COPY . .
# Static files for the admin, the browsable API and Swagger UI, served by
# whitenoise. A throw-away key: collectstatic needs one, the image keeps none.
RUN for project in users games; do \
      PROJECT=$(echo $project | tr a-z A-Z); \
      env ${PROJECT}_DJANGO_SECRET_KEY=collectstatic-only JWT_PRIVATE_KEY=unused \
          python manage_${project}.py collectstatic --noinput -v0; \
    done \
    && mkdir -p /app/.local/secrets /app/.local/metrics \
    && chown -R app:app /app/.local
USER app
EXPOSE 8001 8002 8009
CMD ["gunicorn", "users_project.wsgi", "-c", "infra/gunicorn.conf.py", "--bind", "0.0.0.0:8001"]
