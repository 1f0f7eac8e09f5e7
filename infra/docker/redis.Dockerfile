# Redis as `make services` runs it: Debian's package, append-only file on (the
# Celery broker's queues survive a restart), no snapshots; and a password,
# since other containers reach it (`make services` listens on loopback only).
FROM debian:bookworm-slim
ARG DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
    && apt-get install -y --no-install-recommends redis-server \
    && rm -rf /var/lib/apt/lists/* \
    && mkdir -p /data && chown redis:redis /data
USER redis
VOLUME /data
EXPOSE 6379
# Every client must authenticate: the password comes from REDIS_PASSWORD
# (required; docker-compose.yml sets it and gives it to the services in their
# REDIS_URL), written to a config file only this user reads rather than onto
# the command line. Without it the container does not start. redis-cli (the
# health check) reads REDISCLI_AUTH.
CMD ["sh", "-c", "umask 077 && printf 'requirepass %s\\n' \"${REDIS_PASSWORD:?REDIS_PASSWORD is required}\" >/tmp/auth.conf && exec redis-server /tmp/auth.conf --bind 0.0.0.0 --port 6379 --dir /data --appendonly yes --save ''"]
