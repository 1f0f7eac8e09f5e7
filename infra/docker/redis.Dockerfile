# Redis as `make services` runs it: Debian's package, append-only file on (the
# Celery broker's queues survive a restart), no snapshots.
FROM debian:bookworm-slim
ARG DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
    && apt-get install -y --no-install-recommends redis-server \
    && rm -rf /var/lib/apt/lists/* \
    && mkdir -p /data && chown redis:redis /data
USER redis
VOLUME /data
EXPOSE 6379
CMD ["redis-server", "--bind", "0.0.0.0", "--protected-mode", "no", "--port", "6379", \
     "--dir", "/data", "--appendonly", "yes", "--save", ""]
