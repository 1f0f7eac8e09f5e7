# PostgreSQL as `make services` runs it: Debian's package (bookworm: 15), with
# the roles and databases of infra/postgres/init.sql made on first start.
FROM debian:bookworm-slim
ARG DEBIAN_FRONTEND=noninteractive
# No cluster of the package's own: the entry point makes one in the volume.
RUN mkdir -p /etc/postgresql-common \
    && echo 'create_main_cluster = false' >/etc/postgresql-common/createcluster.conf \
    && apt-get update \
    && apt-get install -y --no-install-recommends postgresql postgresql-contrib \
    && rm -rf /var/lib/apt/lists/* \
    && mkdir -p /var/lib/postgresql/data \
    && chown postgres:postgres /var/lib/postgresql/data \
    && chmod 700 /var/lib/postgresql/data
COPY infra/postgres/init.sql /usr/local/share/postgres-init.sql
COPY infra/docker/postgres-entrypoint.sh /usr/local/bin/postgres-entrypoint
USER postgres
VOLUME /var/lib/postgresql/data
EXPOSE 5432
STOPSIGNAL SIGINT
CMD ["postgres-entrypoint"]
