#!/usr/bin/env bash
# Starts (and stops) the backing services both Django projects need, without
# Docker: PostgreSQL and Redis from Debian's packages, Apache Kafka in KRaft
# mode from Maven Central jars (infra/kafka/pom.xml).
#
#   scripts/services.sh up                  start what is missing, reuse what runs
#   scripts/services.sh down                stop what this script started
#   scripts/services.sh status
#   scripts/services.sh start|stop PART     one part: postgres, redis or kafka
#   scripts/services.sh restart postgres    restart the database server in place
#   scripts/services.sh cluster-up          a three-node Kafka cluster on
#                                           127.0.0.1:19092,19094,19096 (failover tests)
#   scripts/services.sh cluster-down
#   scripts/services.sh cluster-kill N      SIGKILL node N (1-3); cluster-up restarts it
#   scripts/services.sh scram-up            a node requiring SCRAM-SHA-512, with ACLs, on
#                                           127.0.0.1:19192 (tests of Kafka authentication)
#   scripts/services.sh scram-down
#
# Pointing a part elsewhere skips it entirely:
#   USERS_DATABASE_URL and GAMES_DATABASE_URL  -> no local PostgreSQL
#   REDIS_URL                                  -> no local Redis
#   KAFKA_BOOTSTRAP_SERVERS                    -> no local Kafka
#
# Everything this script writes lives in .local/ (git-ignored).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LOCAL="$ROOT/.local"
STATE="$LOCAL/state"
PYTHON="${PYTHON:-$ROOT/.venv/bin/python}"

# .env at the repository root, read as the Python entry points read it
# (common/env.py): a variable already in the environment wins.
if [ -x "$PYTHON" ]; then
  eval "$(cd "$ROOT" && "$PYTHON" -m common.env)"
fi

PG_PORT=5432
REDIS_PORT=6379
KAFKA_PORT=9092
KAFKA_CONTROLLER_PORT=9093
KAFKA_DIR="$LOCAL/kafka"
KAFKA_READY_TIMEOUT="${KAFKA_READY_TIMEOUT:-180}"

mkdir -p "$STATE"

LOG_PREFIX=services
APT_HINT="(or point the service elsewhere, see docs/configuration.md)"
# shellcheck source=scripts/lib.sh
. "$ROOT/scripts/lib.sh"
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# --------------------------------------------------------------------------
# PostgreSQL: the Debian cluster, with one role and one database per project.
# --------------------------------------------------------------------------
postgres_wanted() { [ -z "${USERS_DATABASE_URL:-}" ] || [ -z "${GAMES_DATABASE_URL:-}" ]; }

pg_ready() { pg_isready -q -h 127.0.0.1 -p "$PG_PORT" 2>/dev/null; }

postgres_install() {
  if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
    apt_install PostgreSQL postgresql postgresql-contrib
  fi
}

postgres_start() {
  postgres_wanted || {
    log "postgres: USERS_DATABASE_URL and GAMES_DATABASE_URL are set, not starting one"
    return
  }
  if pg_ready; then
    log "postgres: already answering on 127.0.0.1:$PG_PORT, reusing it"
  else
    postgres_install
    is_root || die "PostgreSQL is installed but not running, and only root can start the system cluster: run 'sudo pg_ctlcluster <version> main start', or set USERS_DATABASE_URL and GAMES_DATABASE_URL"
    local cluster version name
    cluster="$(pg_lsclusters -h 2>/dev/null | awk -v p="$PG_PORT" '$3 == p {print $1" "$2; exit}')"
    if [ -z "$cluster" ]; then
      version="$(ls /usr/lib/postgresql | sort -V | tail -n 1)"
      log "postgres: creating cluster $version/main on port $PG_PORT"
      pg_createcluster -p "$PG_PORT" "$version" main >/dev/null
      cluster="$version main"
    fi
    read -r version name <<<"$cluster"
    log "postgres: starting cluster $version/$name"
    pg_ctlcluster "$version" "$name" start
    echo "$version $name" >"$STATE/postgres.started"
    for _ in $(seq 1 60); do
      pg_ready && break
      sleep 0.5
    done
    pg_ready || die "PostgreSQL did not answer on 127.0.0.1:$PG_PORT; see /var/log/postgresql/"
  fi
  postgres_provision
}

postgres_provision() {
  # Roles get CREATEDB so pytest-django can create its test_* databases.
  if ! is_root; then
    log "postgres: not root, assuming the roles and databases exist"
    return
  fi
  local project
  for project in users games; do
    runuser -u postgres -- psql -q -v ON_ERROR_STOP=1 -p "$PG_PORT" -d postgres >/dev/null <<SQL
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$project') THEN
    CREATE ROLE $project LOGIN CREATEDB PASSWORD '$project';
  END IF;
END \$\$;
SELECT 'CREATE DATABASE $project OWNER $project'
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$project') \gexec
SQL
  done
  log "postgres: ready on 127.0.0.1:$PG_PORT (databases users, games)"
}

postgres_restart() {
  local cluster version name
  cluster="$(pg_lsclusters -h 2>/dev/null | awk -v p="$PG_PORT" '$3 == p {print $1" "$2; exit}')"
  [ -n "$cluster" ] || die "no local PostgreSQL cluster on port $PG_PORT to restart"
  read -r version name <<<"$cluster"
  log "postgres: restarting cluster $version/$name"
  pg_ctlcluster "$version" "$name" restart
  for _ in $(seq 1 60); do
    pg_ready && return 0
    sleep 0.5
  done
  die "PostgreSQL did not come back after the restart"
}

postgres_stop() {
  [ -f "$STATE/postgres.started" ] || return 0
  local version name
  read -r version name <"$STATE/postgres.started"
  log "postgres: stopping cluster $version/$name"
  pg_ctlcluster "$version" "$name" stop || true
  rm -f "$STATE/postgres.started"
}

# --------------------------------------------------------------------------
# Redis: a private server whose files live in .local/redis.
# --------------------------------------------------------------------------
redis_ready() { [ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" = "PONG" ]; }

redis_start() {
  if [ -n "${REDIS_URL:-}" ]; then
    log "redis: REDIS_URL is set, not starting one"
    return
  fi
  command -v redis-server >/dev/null || apt_install Redis redis-server
  if redis_ready; then
    log "redis: already answering on 127.0.0.1:$REDIS_PORT, reusing it"
    return
  fi
  port_open "$REDIS_PORT" && die "port $REDIS_PORT is taken by something that is not Redis"
  mkdir -p "$LOCAL/redis"
  # appendonly: the Celery broker's queues survive a restart.
  redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --daemonize yes \
    --dir "$LOCAL/redis" --pidfile "$LOCAL/redis/redis.pid" \
    --logfile "$LOCAL/redis/redis.log" --appendonly yes --save ""
  for _ in $(seq 1 50); do
    redis_ready && break
    sleep 0.1
  done
  redis_ready || die "Redis did not start; see $LOCAL/redis/redis.log"
  touch "$STATE/redis.started"
  log "redis: ready on 127.0.0.1:$REDIS_PORT"
}

redis_stop() {
  [ -f "$STATE/redis.started" ] || return 0
  log "redis: stopping"
  redis-cli -h 127.0.0.1 -p "$REDIS_PORT" shutdown >/dev/null 2>&1 || true
  rm -f "$STATE/redis.started"
}

# --------------------------------------------------------------------------
# Kafka: one KRaft node (broker + controller) from Maven Central jars.
# --------------------------------------------------------------------------
# The pid in a node's kafka.pid, if that process is alive.
pid_in() {
  local pid
  [ -f "$1/kafka.pid" ] || return 1
  pid="$(cat "$1/kafka.pid")"
  kill -0 "$pid" 2>/dev/null && echo "$pid"
}

kafka_pid() { pid_in "$KAFKA_DIR"; }

# SIGTERM each pid, wait up to 60 s for all of them, then SIGKILL what is left.
stop_pids() {
  local pid
  for pid in "$@"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "$@"; do
    for _ in $(seq 1 120); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.5
    done
    kill -KILL "$pid" 2>/dev/null || true
  done
}

# kafka_ready BOOTSTRAP SECONDS [kafka-python CLI flags: -S -M -U -P]: until the
# cluster answers a metadata request (a KRaft node accepts connections before
# its quorum forms), or false when SECONDS pass.
kafka_ready() {
  [ -x "$PYTHON" ] || die "$PYTHON is missing: run 'make venv' first"
  local bootstrap="$1" deadline=$((SECONDS + ${2%.*}))
  shift 2
  until "$PYTHON" -m kafka.admin -b "$bootstrap" -C request_timeout_ms=5000 \
    -C bootstrap_timeout_ms=5000 "$@" topics list >/dev/null 2>&1; do
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 1
  done
}

kafka_answers() {
  kafka_ready "127.0.0.1:$KAFKA_PORT" "$1"
}

kafka_install() {
  if ! command -v java >/dev/null; then
    apt_install Java openjdk-17-jre-headless
  fi
  local java_major
  java_major="$(java -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2}')"
  [ "${java_major%%.*}" -ge 17 ] || die "Kafka 4 needs Java 17 or newer, found $java_major: sudo apt-get install -y openjdk-17-jre-headless"
  command -v mvn >/dev/null || apt_install Maven maven
  # The marker carries a hash of the descriptor, so editing the pinned
  # version fetches the new jars on the next run.
  local marker
  marker="$KAFKA_DIR/libs/.fetched-$(sha256sum "$ROOT/infra/kafka/pom.xml" | cut -c1-16)"
  if [ ! -f "$marker" ]; then
    log "kafka: fetching jars from Maven Central (infra/kafka/pom.xml)"
    rm -rf "$KAFKA_DIR/libs"
    mkdir -p "$KAFKA_DIR/libs"
    mkdir -p "$KAFKA_DIR/logs"
    if ! mvn -B -Dstyle.color=never -f "$ROOT/infra/kafka/pom.xml" dependency:copy-dependencies \
      -DincludeScope=runtime -DoutputDirectory="$KAFKA_DIR/libs" >"$KAFKA_DIR/logs/mvn.log" 2>&1; then
      tail -n 20 "$KAFKA_DIR/logs/mvn.log" >&2
      die "could not fetch the Kafka jars with Maven (is Maven Central reachable?); see $KAFKA_DIR/logs/mvn.log"
    fi
    touch "$marker"
  fi
}

# Sets JVM to Kafka's JVM command line, with its logs in $1 and at most $2 of heap.
kafka_jvm() {
  JVM=(java -Xms128m -Xmx"$2" -XX:+UseG1GC -Djava.awt.headless=true -Dkafka.logs.dir="$1"
    -Dlog4j2.configurationFile="file:$ROOT/infra/kafka/log4j2.properties" -cp "$KAFKA_DIR/libs/*")
}
kafka_java() {
  kafka_jvm "$KAFKA_DIR/logs" 768m
  "${JVM[@]}" "$@"
}

# Start the node whose folder is $1 (server.properties, logs/) with $2 of heap.
# setsid: it must outlive the make/pytest process that started it; $! is the
# JVM itself (setsid and nohup exec it), so SIGTERM reaches it.
kafka_node_start() {
  kafka_jvm "$1/logs" "$2"
  setsid nohup "${JVM[@]}" kafka.Kafka "$1/server.properties" >>"$1/logs/stdout.log" 2>&1 </dev/null 9>&- &
  echo $! >"$1/kafka.pid"
}

kafka_start() {
  if [ -n "${KAFKA_BOOTSTRAP_SERVERS:-}" ]; then
    log "kafka: KAFKA_BOOTSTRAP_SERVERS is set, not starting one"
    return
  fi
  if kafka_pid >/dev/null; then
    log "kafka: already running (pid $(kafka_pid)), waiting for metadata"
    kafka_answers "$KAFKA_READY_TIMEOUT" || die "Kafka runs but does not answer; see $KAFKA_DIR/logs/server.log"
    return
  fi
  if port_open "$KAFKA_PORT"; then
    kafka_answers 10 || die "port $KAFKA_PORT is taken by something that is not a Kafka broker"
    log "kafka: a broker already answers on 127.0.0.1:$KAFKA_PORT, reusing it"
    return
  fi
  kafka_install
  mkdir -p "$KAFKA_DIR/data" "$KAFKA_DIR/logs"
  sed -e "s#@DATA_DIR@#$KAFKA_DIR/data#" -e "s#@PORT@#$KAFKA_PORT#g" \
    -e "s#@CONTROLLER_PORT@#$KAFKA_CONTROLLER_PORT#g" \
    "$ROOT/infra/kafka/server.properties.in" >"$KAFKA_DIR/server.properties"
  if [ ! -f "$KAFKA_DIR/data/meta.properties" ]; then
    [ -f "$KAFKA_DIR/cluster-id" ] || kafka_java kafka.tools.StorageTool random-uuid >"$KAFKA_DIR/cluster-id"
    log "kafka: formatting storage"
    kafka_java kafka.tools.StorageTool format -g -t "$(cat "$KAFKA_DIR/cluster-id")" \
      -c "$KAFKA_DIR/server.properties" >>"$KAFKA_DIR/logs/format.log"
  fi
  log "kafka: starting broker on 127.0.0.1:$KAFKA_PORT"
  kafka_node_start "$KAFKA_DIR" 768m
  touch "$STATE/kafka.started"
  if ! kafka_answers "$KAFKA_READY_TIMEOUT"; then
    tail -n 30 "$KAFKA_DIR/logs/server.log" >&2 || true
    die "Kafka did not answer metadata requests within ${KAFKA_READY_TIMEOUT}s; see $KAFKA_DIR/logs/"
  fi
  log "kafka: ready on 127.0.0.1:$KAFKA_PORT"
}

kafka_stop() {
  local pid
  if pid="$(kafka_pid)"; then
    log "kafka: stopping (pid $pid)"
    stop_pids "$pid"
  fi
  rm -f "$KAFKA_DIR/kafka.pid" "$STATE/kafka.started"
}

# --------------------------------------------------------------------------
# A three-node Kafka cluster (replication factor 3, min.insync.replicas=2)
# beside the single node, for failover tests. Same jars, own folders.
# --------------------------------------------------------------------------
CLUSTER_DIR="$LOCAL/kafka-cluster"
CLUSTER_BOOTSTRAP="127.0.0.1:19092,127.0.0.1:19094,127.0.0.1:19096"

cluster_node_pid() { pid_in "$CLUSTER_DIR/node$1"; }

cluster_up() {
  kafka_install
  mkdir -p "$CLUSTER_DIR"
  [ -f "$CLUSTER_DIR/cluster-id" ] || kafka_java kafka.tools.StorageTool random-uuid >"$CLUSTER_DIR/cluster-id"
  local node port
  for node in 1 2 3; do
    cluster_node_pid "$node" >/dev/null && continue
    port=$((19092 + 2 * (node - 1)))
    mkdir -p "$CLUSTER_DIR/node$node/data" "$CLUSTER_DIR/node$node/logs"
    sed -e "s#@NODE_ID@#$node#" -e "s#@PORT@#$port#" -e "s#@CONTROLLER_PORT@#$((port + 1))#" \
      -e "s#@DATA_DIR@#$CLUSTER_DIR/node$node/data#" \
      "$ROOT/infra/kafka/cluster-node.properties.in" >"$CLUSTER_DIR/node$node/server.properties"
    if [ ! -f "$CLUSTER_DIR/node$node/data/meta.properties" ]; then
      kafka_java kafka.tools.StorageTool format -g -t "$(cat "$CLUSTER_DIR/cluster-id")" \
        -c "$CLUSTER_DIR/node$node/server.properties" >>"$CLUSTER_DIR/node$node/logs/format.log"
    fi
    log "kafka cluster: starting node $node on 127.0.0.1:$port"
    kafka_node_start "$CLUSTER_DIR/node$node" 512m
  done
  kafka_ready "$CLUSTER_BOOTSTRAP" "$KAFKA_READY_TIMEOUT" \
    || die "the Kafka cluster did not answer; see $CLUSTER_DIR/node*/logs/"
  log "kafka cluster: ready on $CLUSTER_BOOTSTRAP"
}

# --------------------------------------------------------------------------
# A single node that requires SCRAM-SHA-512 and enforces ACLs
# (infra/kafka/scram-node.properties.in), beside the development broker, for
# the tests of the clients' SASL settings and the chart's KafkaUser ACLs.
# Its administrator is "admin", password in $SCRAM_DIR/admin-password.
# --------------------------------------------------------------------------
SCRAM_DIR="$LOCAL/kafka-scram"
SCRAM_PORT=19192

scram_pid() { pid_in "$SCRAM_DIR"; }

scram_up() {
  kafka_install
  mkdir -p "$SCRAM_DIR/data" "$SCRAM_DIR/logs"
  [ -f "$SCRAM_DIR/admin-password" ] || head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' >"$SCRAM_DIR/admin-password"
  local password
  password="$(cat "$SCRAM_DIR/admin-password")"
  if ! scram_pid >/dev/null; then
    sed -e "s#@PORT@#$SCRAM_PORT#" -e "s#@CONTROLLER_PORT@#$((SCRAM_PORT + 1))#" \
      -e "s#@DATA_DIR@#$SCRAM_DIR/data#" -e "s#@ADMIN_PASSWORD@#$password#" \
      "$ROOT/infra/kafka/scram-node.properties.in" >"$SCRAM_DIR/server.properties"
    if [ ! -f "$SCRAM_DIR/data/meta.properties" ]; then
      kafka_java kafka.tools.StorageTool format -g -t "$(kafka_java kafka.tools.StorageTool random-uuid)" \
        -c "$SCRAM_DIR/server.properties" \
        --add-scram "SCRAM-SHA-512=[name=admin,password=$password]" >>"$SCRAM_DIR/logs/format.log"
    fi
    log "kafka (SCRAM): starting on 127.0.0.1:$SCRAM_PORT"
    kafka_node_start "$SCRAM_DIR" 384m
  fi
  kafka_ready "127.0.0.1:$SCRAM_PORT" "$KAFKA_READY_TIMEOUT" -S SASL_PLAINTEXT \
    -M SCRAM-SHA-512 -U admin -P "$password" \
    || die "the SCRAM Kafka node did not answer; see $SCRAM_DIR/logs/"
  log "kafka (SCRAM): ready on 127.0.0.1:$SCRAM_PORT"
  echo "127.0.0.1:$SCRAM_PORT $SCRAM_DIR/admin-password"
}

scram_down() {
  local pid
  if pid="$(scram_pid)"; then
    log "kafka (SCRAM): stopping (pid $pid)"
    stop_pids "$pid"
  fi
  rm -f "$SCRAM_DIR/kafka.pid"
}

cluster_kill() {
  local pid
  pid="$(cluster_node_pid "$1")" || die "cluster node $1 is not running"
  log "kafka cluster: SIGKILL node $1 (pid $pid)"
  kill -KILL "$pid"
}

cluster_down() {
  local node pids=()
  for node in 1 2 3; do
    pids+=($(cluster_node_pid "$node")) || true
  done
  stop_pids "${pids[@]}"
  rm -f "$CLUSTER_DIR"/node*/kafka.pid
}

# --------------------------------------------------------------------------
status() {
  if pg_ready; then echo "postgres: up"; else echo "postgres: down"; fi
  if redis_ready; then echo "redis: up"; else echo "redis: down"; fi
  if port_open "$KAFKA_PORT"; then echo "kafka: up"; else echo "kafka: down"; fi
}

part() {
  case "$2" in
    postgres | redis | kafka) "$2_$1" ;;
    *) die "unknown part '$2' (postgres, redis, kafka)" ;;
  esac
}

case "${1:-up}" in
  up)
    started=$SECONDS
    postgres_start
    redis_start
    kafka_start
    log "all services ready in $((SECONDS - started))s"
    ;;
  down)
    kafka_stop
    redis_stop
    postgres_stop
    ;;
  status) status ;;
  start | stop) part "$1" "${2:-}" ;;
  restart)
    [ "${2:-}" = postgres ] || die "only 'restart postgres' is supported"
    postgres_restart
    ;;
  cluster-up) cluster_up ;;
  cluster-down) cluster_down ;;
  cluster-kill) cluster_kill "${2:?node number 1-3}" ;;
  scram-up) scram_up ;;
  scram-down) scram_down ;;
  *) die "usage: $0 up|down|status|start PART|stop PART|restart postgres|cluster-up|cluster-down|cluster-kill N|scram-up|scram-down" ;;
esac
