# Apache Kafka as `make services` runs it: the jars infra/kafka/pom.xml pins,
# fetched from Maven Central, one KRaft node from infra/kafka/server.properties.in.
FROM debian:bookworm-slim AS jars
ARG DEBIAN_FRONTEND=noninteractive
ARG EXTRA_CA_CERTS=""
COPY infra/docker/add-ca-certs.sh /usr/local/bin/add-ca-certs
# openjdk's scripts link man pages, which the slim base leaves out.
RUN mkdir -p /usr/share/man/man1 \
    && apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates openjdk-17-jre-headless maven \
    && add-ca-certs \
    && rm -rf /var/lib/apt/lists/*
COPY infra/kafka/pom.xml /build/pom.xml
RUN mvn -B -q -Dstyle.color=never -f /build/pom.xml dependency:copy-dependencies \
      -DincludeScope=runtime -DoutputDirectory=/opt/kafka/libs \
    && rm -rf /root/.m2

FROM debian:bookworm-slim
ARG DEBIAN_FRONTEND=noninteractive
RUN mkdir -p /usr/share/man/man1 \
    && apt-get update \
    && apt-get install -y --no-install-recommends openjdk-17-jre-headless \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --home-dir /var/lib/kafka --create-home kafka \
    && mkdir -p /var/lib/kafka/data && chown -R kafka:kafka /var/lib/kafka
COPY --from=jars /opt/kafka/libs /opt/kafka/libs
COPY infra/kafka/server.properties.in infra/kafka/log4j2.properties /opt/kafka/
COPY infra/docker/kafka-entrypoint.sh /usr/local/bin/kafka-entrypoint
USER kafka
VOLUME /var/lib/kafka/data
EXPOSE 9092
CMD ["kafka-entrypoint"]
