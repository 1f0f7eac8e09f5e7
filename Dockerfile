# One image for both services; docker-compose.yml picks the process by command.
# Stage 1 builds wheels (with compilers if a package needs them); stage 2 is
# the slim runtime, running as an unprivileged user.
FROM python:3.11-slim AS build
WORKDIR /build
COPY requirements/ requirements/
RUN pip wheel --no-cache-dir --wheel-dir /wheels -r requirements/base.txt

FROM python:3.11-slim AS runtime
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PROJECT_LOCAL_DIR=/app/.local \
    STATIC_ROOT=/app/staticfiles \
    LOG_FORMAT=json
RUN useradd --create-home --uid 10001 app
WORKDIR /app
COPY --from=build /wheels /wheels
COPY requirements/ requirements/
RUN pip install --no-cache-dir --no-index --find-links /wheels -r requirements/base.txt \
    && rm -rf /wheels
COPY . .
# Static files for the admin, the browsable API and Swagger UI, served by
# whitenoise. A throw-away key: collectstatic needs one, the image keeps none.
RUN for project in users games; do \
      PROJECT=$(echo $project | tr a-z A-Z); \
      env ${PROJECT}_DJANGO_SETTINGS_MODULE=${project}_project.settings.production \
          ${PROJECT}_DJANGO_SECRET_KEY=collectstatic-only JWT_PRIVATE_KEY=unused \
          python manage_${project}.py collectstatic --noinput -v0; \
    done \
    && mkdir -p /app/.local/secrets /app/.local/metrics \
    && chown -R app:app /app/.local
USER app
EXPOSE 8001 8002 8009
CMD ["gunicorn", "users_project.wsgi", "-c", "infra/gunicorn.conf.py", "--bind", "0.0.0.0:8001"]
