#!/bin/bash
# One KRaft node (broker + controller) from infra/kafka/server.properties.in, as
# scripts/services.sh renders it, but listening for the compose network and
# advertising itself by its service name (KAFKA_ADVERTISED_HOST, default kafka).
set -euo pipefail
HOME_DIR=/var/lib/kafka
PROPS="$HOME_DIR/server.properties"
sed -e "s#@DATA_DIR@#$HOME_DIR/data#" -e "s#@PORT@#9092#g" -e "s#@CONTROLLER_PORT@#9093#g" \
  -e "s#^listeners=PLAINTEXT://127.0.0.1:#listeners=PLAINTEXT://0.0.0.0:#" \
  -e "s#^advertised.listeners=PLAINTEXT://127.0.0.1:#advertised.listeners=PLAINTEXT://${KAFKA_ADVERTISED_HOST:-kafka}:#" \
  /opt/kafka/server.properties.in >"$PROPS"
JAVA=(java -Xms256m -Xmx768m -XX:+UseG1GC -Djava.awt.headless=true
  -Dkafka.logs.dir="$HOME_DIR/logs"
  -Dlog4j2.configurationFile=file:/opt/kafka/log4j2.properties
  -cp "/opt/kafka/libs/*")
if [ ! -f "$HOME_DIR/data/meta.properties" ]; then
  # Kafka's own generator, as scripts/services.sh uses: random base64 could
  # start with "-", which the format command then takes for an option (it
  # failed a fresh start that way, about 1 in 64).
  cluster_id="$("${JAVA[@]}" kafka.tools.StorageTool random-uuid)"
  "${JAVA[@]}" kafka.tools.StorageTool format -g -t "$cluster_id" -c "$PROPS"
fi
exec "${JAVA[@]}" kafka.Kafka "$PROPS"
