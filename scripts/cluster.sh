#!/usr/bin/env bash
# Try the Helm chart on a real cluster on one machine: a one-node Kubernetes
# built here from public Go modules and Debian's packages, with the project's
# images, its backing services and the chart installed on it.
#
#   scripts/cluster.sh up       build what is missing (cached under .local/cluster/build),
#                               start the node, install PostgreSQL, Redis, Kafka and the
#                               chart (deploy/helm/values-local-cluster.yaml); idempotent
#   scripts/cluster.sh down     stop everything and put the host back as `up` found it
#                               (checked against the snapshot `up` took); says what it
#                               could not restore and exits 1 then
#   scripts/cluster.sh status   what runs, the node and the pods
#
# Afterwards: `export KUBECONFIG=.local/cluster/kubeconfig`, kubectl and helm
# are .local/cluster/build/bin/kubectl and .local/bin/helm. The web services
# answer on 127.0.0.1:$USERS_NODE_PORT and :$GAMES_NODE_PORT (NodePorts,
# loopback only); the two PostgreSQL servers on :$USERS_POSTGRES_NODE_PORT
# and :$GAMES_POSTGRES_NODE_PORT, for the tests' queries.
#
# What runs (docs/kubernetes.md, "Try the chart on one machine"):
#   - one binary (deploy/cluster/kube, Kubernetes as a Go library) run as etcd,
#     kube-apiserver, kube-controller-manager, kube-scheduler, kubelet,
#     kube-proxy and kubectl, chosen by its name;
#   - Debian's containerd as the runtime, with its own root, state and socket
#     (it shares nothing with Docker's), and Debian's CNI plugins: a bridge
#     with host-local addresses, portmap, and firewall (Docker's FORWARD
#     policy is DROP);
#   - no image is pulled: pause (from the Kubernetes module's pause.c) and
#     CoreDNS (go install) wrapped FROM scratch, and the images
#     docker-compose.yml builds, imported with `ctr images import`.
# Root only: the kubelet and containerd run containers.
set -Eeuo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
K8S_VERSION=v1.34.4
COREDNS_VERSION=v1.14.7
LOCAL="$ROOT/.local/cluster"
BUILD="$LOCAL/build"   # kept by `down`: binaries, images
BIN="$BUILD/bin"
STATE="$LOCAL/state"   # removed by `down`: etcd, kubelet, certificates
LOGS="$LOCAL/logs"
SNAPSHOT="$LOCAL/host-before-up"
RUN=/run/users-games-cluster # containerd's state and socket, pid files
SOCK="$RUN/containerd.sock"
KUBECONFIG_FILE="$LOCAL/kubeconfig"
NODE=users-games-node
SERVICE_CIDR=10.96.0.0/16
DNS_IP=10.96.0.10
POD_CIDR=10.244.0.0/24
BRIDGE=ugcni0
NAMESPACE=users-games
RELEASE=users-games
# NodePorts, loopback only (tests/deploy/test_cluster_chart.py calls the same).
USERS_NODE_PORT=30801
GAMES_NODE_PORT=30802
USERS_POSTGRES_NODE_PORT=30432
GAMES_POSTGRES_NODE_PORT=30433
VALUES="$ROOT/deploy/helm/values-local-cluster.yaml"
COMPOSE_PROJECT=users-games-cluster
IMAGES=(games-users:dev games-users-postgres:dev games-users-redis:dev games-users-kafka:dev
  "users-games-pause:$K8S_VERSION" "users-games-coredns:$COREDNS_VERSION")
COMPONENTS=(etcd kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kubectl)
# Started in this order, stopped in the reverse one.
DAEMONS=(containerd etcd kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy)
# What the kubelet and kube-proxy may change, restored by `down`.
SYSCTLS=(kernel.panic kernel.panic_on_oops vm.overcommit_memory vm.panic_on_oom
  kernel.keys.root_maxkeys kernel.keys.root_maxbytes net.ipv4.conf.all.route_localnet
  net.ipv4.ip_forward net.bridge.bridge-nf-call-iptables net.bridge.bridge-nf-call-ip6tables
  net.netfilter.nf_conntrack_max)
# Directories the kubelet and the CNI plugins write outside ours.
HOST_DIRS=(/var/log/pods /var/log/containers /var/lib/cni /var/lib/kubelet /run/netns /etc/cni /opt/cni)

LOG_PREFIX=cluster
# shellcheck source=scripts/lib.sh
. "$ROOT/scripts/lib.sh"

export PATH="$BIN:/usr/local/go/bin:$PATH"
export KUBECONFIG="$KUBECONFIG_FILE"
trap 'die "failed at line $LINENO: $BASH_COMMAND"' ERR
kubectl() { "$BIN/kubectl" "$@"; }
ctr_k8s() { ctr --address "$SOCK" -n k8s.io "$@"; }
helm_bin() { "$ROOT/scripts/helm.sh" helm; }
# Each stage's time, logged when the next one starts (`stage` alone ends the last).
stage_name="" stage_started=0
stage() {
  [ -z "$stage_name" ] || log "  $stage_name: done in $((SECONDS - stage_started))s"
  stage_name="$*" stage_started=$SECONDS
  [ -z "$stage_name" ] || log "$stage_name"
}

# The machine's own address: the apiserver advertises it and the node is
# known by it (its hostname resolves to 127.0.0.1, which would break
# `kubectl logs` and `exec`).
node_ip() {
  local ip
  ip="$(ip -4 route get 1.1.1.1 2>/dev/null | grep -oP 'src \K[0-9.]+' || true)"
  [ -n "$ip" ] || ip="$(ip -4 -o addr show scope global | awk '{split($4, a, "/"); print a[1]; exit}')"
  [ -n "$ip" ] || die "no global IPv4 address on this machine for the node"
  echo "$ip"
}

# --- building (cached) -------------------------------------------------------

go_bin() {
  local go
  go="$(command -v go || true)"
  [ -x "$go" ] || die "Go is needed to build Kubernetes $K8S_VERSION (https://go.dev/doc/install)"
  echo "$go"
}

build_kube() {
  local src="$ROOT/deploy/cluster/kube" stamp
  stamp="$BIN/.kube-$(cat "$src/go.mod" "$src/go.sum" "$src/main.go" | sha256sum | cut -c1-16)"
  if [ ! -f "$stamp" ]; then
    log "building Kubernetes $K8S_VERSION (one binary; minutes, once)"
    # Without the version stamped, the server says v0.0.0, which the chart's
    # kubeVersion refuses.
    local ldflags="-s -w" package
    for package in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
      ldflags+=" -X $package.gitVersion=$K8S_VERSION -X $package.gitMajor=1"
      ldflags+=" -X $package.gitMinor=$(echo "$K8S_VERSION" | cut -d. -f2) -X $package.gitTreeState=clean"
    done
    (cd "$src" && CGO_ENABLED=0 GOFLAGS=-buildvcs=false "$(go_bin)" build -trimpath \
      -ldflags "$ldflags" -o "$BIN/kube" .)
    rm -f "$BIN"/.kube-*
    touch "$stamp"
  fi
  local name
  for name in "${COMPONENTS[@]}"; do ln -sf kube "$BIN/$name"; done
}

# An image of one static binary, FROM scratch; built once.
scratch_image() {
  local image="$1" binary="$2" dir="$BUILD/image-${1%%:*}"
  docker image inspect "$image" >/dev/null 2>&1 && return
  rm -rf "$dir" && mkdir -p "$dir"
  cp "$binary" "$dir/"
  printf 'FROM scratch\nCOPY %s /%s\nENTRYPOINT ["/%s"]\n' \
    "$(basename "$binary")" "$(basename "$binary")" "$(basename "$binary")" >"$dir/Dockerfile"
  docker build -q -t "$image" "$dir" >/dev/null 2>&1
}

build_pause() {
  if [ ! -x "$BUILD/pause/pause" ]; then
    local module
    module="$(cd "$ROOT/deploy/cluster/kube" && "$(go_bin)" list -m -f '{{.Dir}}' k8s.io/kubernetes)"
    command -v gcc >/dev/null || apt_install gcc gcc libc6-dev
    log "building pause from $module/build/pause/linux/pause.c"
    mkdir -p "$BUILD/pause"
    gcc -Os -Wall -Werror -static -DVERSION="$K8S_VERSION" -o "$BUILD/pause/pause" \
      "$module/build/pause/linux/pause.c"
  fi
  scratch_image "users-games-pause:$K8S_VERSION" "$BUILD/pause/pause"
}

build_coredns() {
  if [ ! -x "$BUILD/coredns/coredns" ]; then
    log "building CoreDNS $COREDNS_VERSION (go install; minutes, once)"
    GOBIN="$BUILD/coredns" CGO_ENABLED=0 GOFLAGS=-buildvcs=false \
      "$(go_bin)" install -ldflags "-s -w" "github.com/coredns/coredns@$COREDNS_VERSION"
  fi
  scratch_image "users-games-coredns:$COREDNS_VERSION" "$BUILD/coredns/coredns"
}

build_all() {
  stage "tools: Docker, Debian's CNI plugins, helm"
  [ -x /usr/lib/cni/bridge ] && [ -x /usr/lib/cni/firewall ] ||
    apt_install "the CNI plugins" containernetworking-plugins
  command -v containerd >/dev/null && command -v runc >/dev/null ||
    apt_install containerd containerd runc
  command -v iptables >/dev/null || apt_install iptables iptables
  "$ROOT/scripts/docker.sh" ensure
  helm_bin >/dev/null
  stage "Kubernetes $K8S_VERSION"
  mkdir -p "$BIN"
  build_kube
  stage "pause and CoreDNS images"
  build_pause
  build_coredns
  stage "the project's images (as docker-compose.yml builds them)"
  mkdir -p "$LOGS"
  "$ROOT/scripts/docker.sh" compose -p "$COMPOSE_PROJECT" build postgres redis kafka migrate \
    >"$LOGS/images.log" 2>&1 || {
    tail -n 30 "$LOGS/images.log" >&2
    die "the image build failed (${LOGS#"$ROOT"/}/images.log)"
  }
}

# --- the host, before and after ----------------------------------------------

iptables_chains() {
  local tool table
  for tool in iptables ip6tables; do
    command -v "$tool-save" >/dev/null || continue
    for table in filter nat mangle raw; do
      "$tool-save" -t "$table" 2>/dev/null | awk -v t="$tool/$table" '/^:/ {print t, substr($1, 2)}'
    done
  done
}

# What `down` must find as it was: one line per fact, sorted. Only what the
# cluster may have made: Docker's containers (another engineer's tests) come
# and go with their own mounts and links meanwhile.
host_facts() {
  local name
  for name in "${SYSCTLS[@]}"; do
    echo "sysctl $name=$(sysctl -n "$name" 2>/dev/null || echo absent)"
  done
  iptables_chains | grep -E ' (KUBE-|CNI-)' | sed 's/^/chain /' || true
  awk '{print "mount", $5}' /proc/self/mountinfo |
    grep -E " ($LOCAL|$RUN|/run/netns|/var/lib/kubelet|/var/lib/cni)" || true
  ip -o link show | awk -F': ' '{sub(/@.*/, "", $2); print "link", $2}' | grep -x "link $BRIDGE" || true
  echo "veths without a bridge $(ip -o link show type veth | grep -vc ' master ' || true)"
  echo "processes $(pgrep -fc "$BIN/|containerd-shim-runc-v2 .*-address $SOCK|containerd --config $STATE/" || true)"
  for name in "${HOST_DIRS[@]}"; do [ -e "$name" ] && echo "path $name"; done
  find /sys/fs/cgroup -maxdepth 2 -name kubepods -type d 2>/dev/null | sed 's/^/cgroup /'
  true
}

take_snapshot() {
  if [ -f "$SNAPSHOT" ]; then
    log "host snapshot: kept from the earlier \`up\` ($SNAPSHOT)"
    return
  fi
  mkdir -p "$LOCAL"
  host_facts | sort -u >"$SNAPSHOT.tmp"
  mv "$SNAPSHOT.tmp" "$SNAPSHOT"
}

# --- processes -----------------------------------------------------------------

pid_of() { cat "$RUN/$1.pid" 2>/dev/null || true; }
running() {
  local pid
  pid="$(pid_of "$1")"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null
}

start_daemon() {
  local name="$1"
  shift
  running "$name" && return
  mkdir -p "$RUN" "$LOGS"
  # setsid: the daemon outlives the script (and the test) that started it;
  # without the lock's descriptor, or it would hold the lock for its life.
  setsid nohup "$@" >>"$LOGS/$name.log" 2>&1 </dev/null 9>&- &
  echo $! >"$RUN/$name.pid"
}

stop_daemon() {
  local name="$1" pid i
  pid="$(pid_of "$name")"
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq 1 100); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.2
    done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$RUN/$name.pid"
}

wait_for() {
  local what="$1" timeout="$2" i
  shift 2
  for i in $(seq 1 "$timeout"); do
    "$@" >/dev/null 2>&1 && return
    sleep 1
  done
  die "$what: not after ${timeout}s (logs: ${LOGS#"$ROOT"/}/)"
}

# --- configuration -------------------------------------------------------------

sign() { # NAME SUBJECT EXTENSIONS...
  local name="$1" subject="$2"
  shift 2
  local args=() ext
  for ext in "$@"; do args+=(-addext "$ext"); done
  openssl req -new -newkey rsa:2048 -nodes -keyout "$STATE/pki/$name.key" \
    -subj "$subject" "${args[@]}" -out "$STATE/pki/$name.csr" 2>/dev/null
  openssl x509 -req -in "$STATE/pki/$name.csr" -CA "$STATE/pki/ca.crt" -CAkey "$STATE/pki/ca.key" \
    -CAcreateserial -days 365 -copy_extensions copyall -out "$STATE/pki/$name.crt" 2>/dev/null
}

write_pki() {
  [ -f "$STATE/pki/admin.crt" ] && return
  local ip="$1"
  mkdir -p "$STATE/pki"
  openssl req -x509 -newkey rsa:2048 -nodes -days 365 -subj "/CN=users-games-cluster-ca" \
    -keyout "$STATE/pki/ca.key" -out "$STATE/pki/ca.crt" 2>/dev/null
  sign apiserver "/CN=kube-apiserver" \
    "subjectAltName=DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,DNS:localhost,IP:127.0.0.1,IP:$ip,IP:${SERVICE_CIDR%.0/*}.1" \
    "extendedKeyUsage=serverAuth"
  # One identity of the cluster's administrators for the components, the
  # apiserver's calls to the kubelet and the person at the machine: this
  # cluster is for trying the chart, not for sharing.
  sign admin "/O=system:masters/CN=users-games-admin" "extendedKeyUsage=clientAuth"
  openssl genrsa -out "$STATE/pki/sa.key" 2048 2>/dev/null
  openssl rsa -in "$STATE/pki/sa.key" -pubout -out "$STATE/pki/sa.pub" 2>/dev/null
  "$BIN/kubectl" config set-cluster local --server="https://$ip:6443" \
    --certificate-authority="$STATE/pki/ca.crt" --embed-certs >/dev/null
  "$BIN/kubectl" config set-credentials admin --client-certificate="$STATE/pki/admin.crt" \
    --client-key="$STATE/pki/admin.key" --embed-certs >/dev/null
  "$BIN/kubectl" config set-context local --cluster=local --user=admin --namespace="$NAMESPACE" >/dev/null
  "$BIN/kubectl" config use-context local >/dev/null
}

# A running kube-proxy exits when its file changes: written only when it did.
write_if_changed() {
  local content
  content="$(cat)"
  [ "$(cat "$1" 2>/dev/null)" = "$content" ] || printf '%s\n' "$content" >"$1"
}

write_configs() {
  local ip="$1"
  mkdir -p "$STATE/cni/net.d" "$STATE/containerd" "$RUN"
  write_if_changed "$STATE/containerd/config.toml" <<EOF
version = 2
root = "$BUILD/containerd"
state = "$RUN/containerd"
disabled_plugins = ["io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs",
  "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs"]
[grpc]
  address = "$SOCK"
[plugins."io.containerd.internal.v1.opt"]
  path = "$BUILD/containerd-opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "docker.io/library/users-games-pause:$K8S_VERSION"
  # No CAP_SYS_RESOURCE in a sandboxed machine: runc cannot lower the score.
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$STATE/cni/net.d"
EOF
  write_if_changed "$STATE/cni/net.d/10-users-games.conflist" <<EOF
{
  "cniVersion": "1.0.0",
  "name": "users-games",
  "plugins": [
    {"type": "bridge", "bridge": "$BRIDGE", "isGateway": true, "ipMasq": true, "hairpinMode": true,
     "ipam": {"type": "host-local", "ranges": [[{"subnet": "$POD_CIDR"}]],
              "routes": [{"dst": "0.0.0.0/0"}], "dataDir": "$STATE/cni/ipam"}},
    {"type": "portmap", "capabilities": {"portMappings": true}},
    {"type": "firewall"}
  ]
}
EOF
  write_if_changed "$STATE/kubelet.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: $STATE/pki/ca.crt}
authorization: {mode: Webhook}
cgroupDriver: cgroupfs
# The host is a cgroup v1 hybrid (Kubernetes 1.35 would refuse it).
failCgroupV1: false
containerRuntimeEndpoint: unix://$SOCK
clusterDNS: [$DNS_IP]
clusterDomain: cluster.local
# No name server for pods of dnsPolicy Default: nothing leaves the machine.
resolvConf: ""
failSwapOn: false
readOnlyPort: 0
address: $ip
healthzBindAddress: 127.0.0.1
# The disk is shared: evict on a nearly full one only.
evictionHard: {memory.available: 200Mi, nodefs.available: 2%, imagefs.available: 2%}
imageGCHighThresholdPercent: 99
imageGCLowThresholdPercent: 98
EOF
  write_if_changed "$STATE/kube-proxy.yaml" <<EOF
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection: {kubeconfig: $KUBECONFIG_FILE}
mode: iptables
hostnameOverride: $NODE
clusterCIDR: $POD_CIDR
healthzBindAddress: 127.0.0.1:10256
metricsBindAddress: 127.0.0.1:10249
# NodePorts on the loopback address only: the tests' traffic stays on the machine.
nodePortAddresses: [127.0.0.1/32]
# Leave the host's conntrack table size and timeouts alone.
conntrack: {maxPerCore: 0, min: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s}
EOF
}

# --- up ------------------------------------------------------------------------

start_node() {
  local ip="$1" pki="$STATE/pki"
  start_daemon containerd containerd --config "$STATE/containerd/config.toml"
  wait_for "containerd" 60 ctr --address "$SOCK" version
  start_daemon etcd "$BIN/etcd" --name "$NODE" --data-dir "$STATE/etcd" \
    --listen-client-urls http://127.0.0.1:2379 --advertise-client-urls http://127.0.0.1:2379 \
    --listen-peer-urls http://127.0.0.1:2380 --initial-advertise-peer-urls http://127.0.0.1:2380 \
    --initial-cluster "$NODE=http://127.0.0.1:2380" --listen-metrics-urls http://127.0.0.1:2381
  start_daemon kube-apiserver "$BIN/kube-apiserver" --etcd-servers http://127.0.0.1:2379 \
    --advertise-address "$ip" --bind-address "$ip" --secure-port 6443 \
    --tls-cert-file "$pki/apiserver.crt" --tls-private-key-file "$pki/apiserver.key" \
    --client-ca-file "$pki/ca.crt" --anonymous-auth=false --authorization-mode Node,RBAC \
    --service-cluster-ip-range "$SERVICE_CIDR" \
    --service-account-issuer https://kubernetes.default.svc.cluster.local \
    --service-account-key-file "$pki/sa.pub" --service-account-signing-key-file "$pki/sa.key" \
    --kubelet-client-certificate "$pki/admin.crt" --kubelet-client-key "$pki/admin.key" \
    --kubelet-preferred-address-types InternalIP
  wait_for "the apiserver's /readyz" 120 kubectl get --raw /readyz
  local common=(--kubeconfig "$KUBECONFIG_FILE" --authentication-kubeconfig "$KUBECONFIG_FILE"
    --authorization-kubeconfig "$KUBECONFIG_FILE" --leader-elect=false --bind-address 127.0.0.1)
  start_daemon kube-controller-manager "$BIN/kube-controller-manager" "${common[@]}" \
    --service-account-private-key-file "$pki/sa.key" --root-ca-file "$pki/ca.crt" \
    --service-cluster-ip-range "$SERVICE_CIDR" --use-service-account-credentials=false
  start_daemon kube-scheduler "$BIN/kube-scheduler" "${common[@]}"
  start_daemon kubelet "$BIN/kubelet" --config "$STATE/kubelet.yaml" \
    --kubeconfig "$KUBECONFIG_FILE" --root-dir "$STATE/kubelet" \
    --node-ip "$ip" --hostname-override "$NODE"
  start_daemon kube-proxy "$BIN/kube-proxy" --config "$STATE/kube-proxy.yaml"
  wait_for "node $NODE Ready" 180 kubectl wait --for condition=Ready "node/$NODE" --timeout 1s
}

import_images() {
  local image id stamp
  for image in "${IMAGES[@]}"; do
    id="$(docker image inspect -f '{{.Id}}' "$image")"
    stamp="$BUILD/containerd-imported/${image//[:\/]/_}"
    if [ "$(cat "$stamp" 2>/dev/null)" != "$id" ] ||
      ! ctr_k8s images ls -q | grep -qx "docker.io/library/$image"; then
      log "importing $image"
      docker save "$image" | ctr_k8s images import - >/dev/null
      mkdir -p "$(dirname "$stamp")"
      echo "$id" >"$stamp"
    fi
  done
}

install_workloads() {
  kubectl apply -f "$ROOT/deploy/cluster/coredns.yaml" >/dev/null
  sed -e "s/@USERS_POSTGRES_NODE_PORT@/$USERS_POSTGRES_NODE_PORT/" \
    -e "s/@GAMES_POSTGRES_NODE_PORT@/$GAMES_POSTGRES_NODE_PORT/" \
    "$ROOT/deploy/cluster/backing-services.yaml" | kubectl apply -f - >/dev/null
  kubectl -n kube-system rollout status deploy/coredns --timeout 180s >/dev/null
  local name
  for name in users-postgresql games-postgresql redis kafka; do
    kubectl -n "$NAMESPACE" rollout status "deploy/$name" --timeout 300s >/dev/null
  done
}

install_chart() {
  "$(helm_bin)" upgrade --install "$RELEASE" "$ROOT/deploy/helm/users-games" \
    --namespace "$NAMESPACE" -f "$VALUES" \
    --set "processes.users-web.nodePort=$USERS_NODE_PORT" \
    --set "processes.games-web.nodePort=$GAMES_NODE_PORT" \
    --wait --timeout 15m "$@" >&2
  # What a person (or a test) calls next: both services through their NodePorts.
  local port
  for port in "$USERS_NODE_PORT" "$GAMES_NODE_PORT"; do
    wait_for "127.0.0.1:$port/readyz" 180 curl -fsS -m 5 -H "Host: localhost" "http://127.0.0.1:$port/readyz"
  done
}

up() {
  is_root || die "root only: the kubelet and containerd run containers"
  lock cluster
  local started=$SECONDS ip
  build_all
  stage "the node: containerd, etcd, control plane, kubelet, kube-proxy"
  ip="$(node_ip)"
  take_snapshot
  write_pki "$ip"
  write_configs "$ip"
  start_node "$ip"
  stage "images into containerd"
  import_images
  stage "CoreDNS, PostgreSQL, Redis, Kafka"
  install_workloads
  stage "the chart (helm upgrade --install --wait)"
  install_chart
  stage
  log "up in $((SECONDS - started))s: export KUBECONFIG=${KUBECONFIG_FILE#"$ROOT"/};" \
    "users http://127.0.0.1:$USERS_NODE_PORT, games http://127.0.0.1:$GAMES_NODE_PORT"
}

# --- down ----------------------------------------------------------------------

remove_chains() {
  local tool table rule chain
  for tool in iptables ip6tables; do
    command -v "$tool-save" >/dev/null || continue
    for table in filter nat mangle raw; do
      # Jumps into the chains from the built-in ones first, then the chains.
      "$tool-save" -t "$table" 2>/dev/null |
        awk '/^-A [^ ]+ .*-j (KUBE-|CNI-)/ && !/^-A (KUBE-|CNI-)/' | while read -r rule; do
        eval "$tool -w -t $table -D ${rule#-A }" 2>/dev/null || true
      done
      for chain in $("$tool-save" -t "$table" 2>/dev/null | awk '/^:(KUBE-|CNI-)/ {print substr($1, 2)}'); do
        "$tool" -w -t "$table" -F "$chain" 2>/dev/null || true
      done
      for chain in $("$tool-save" -t "$table" 2>/dev/null | awk '/^:(KUBE-|CNI-)/ {print substr($1, 2)}'); do
        "$tool" -w -t "$table" -X "$chain" 2>/dev/null || true
      done
    done
  done
}

down() {
  is_root || die "root only"
  lock cluster
  local started=$SECONDS name id
  stop_daemon kube-proxy
  stop_daemon kubelet
  if running containerd; then
    # Every container the kubelet left, with its shim.
    for id in $(ctr_k8s tasks ls -q 2>/dev/null); do
      ctr_k8s tasks kill -a -s SIGKILL "$id" >/dev/null 2>&1 || true
    done
    sleep 1
    for id in $(ctr_k8s tasks ls -q 2>/dev/null); do
      ctr_k8s tasks rm -f "$id" >/dev/null 2>&1 || true
    done
    for id in $(ctr_k8s containers ls -q 2>/dev/null); do
      ctr_k8s containers rm "$id" >/dev/null 2>&1 || true
    done
    # Only the images `up` imports stay cached (not, say, a test's extra tags,
    # which would keep old builds' layers on the disk).
    local keep=" ${IMAGES[*]/#/docker.io/library/} "
    for id in $(ctr_k8s images ls -q 2>/dev/null); do
      [[ "$keep" == *" $id "* ]] || ctr_k8s images rm "$id" >/dev/null 2>&1 || true
    done
  fi
  for name in kube-scheduler kube-controller-manager kube-apiserver etcd containerd; do
    stop_daemon "$name"
  done
  # Shims whose task would not go (their parent is gone: they carry our socket).
  for id in $(pgrep -f "containerd-shim-runc-v2 .*-address $SOCK" || true); do
    kill -KILL "$id" 2>/dev/null || true
  done
  [ -x "$BIN/kube-proxy" ] && "$BIN/kube-proxy" --cleanup >/dev/null 2>&1 || true
  remove_chains
  # Mounts under our directories and the pods' network namespaces, deepest first.
  local mount
  for mount in $(awk '{print $5}' /proc/self/mountinfo | grep -E "^($LOCAL|$RUN|/run/netns/cni-)" | sort -r || true); do
    umount -l "$mount" 2>/dev/null || true
  done
  rm -f /run/netns/cni-* 2>/dev/null || true
  # The pods' ends of their veth pairs live until the kernel frees their
  # namespaces (seconds later); the bridge's ends are deleted now, pairs and all.
  for name in $(ip -o link show master "$BRIDGE" 2>/dev/null | awk -F': ' '{sub(/@.*/, "", $2); print $2}'); do
    ip link del "$name" 2>/dev/null || true
  done
  ip link show "$BRIDGE" >/dev/null 2>&1 && ip link del "$BRIDGE"
  # The pods' cgroups (cgroupfs driver: kubepods under every controller), deepest first.
  find /sys/fs/cgroup -mindepth 2 -path '*/kubepods*' -type d 2>/dev/null | sort -r |
    while read -r name; do rmdir "$name" 2>/dev/null || true; done || true
  find /sys/fs/cgroup -maxdepth 2 -name kubepods -type d -exec rmdir {} \; 2>/dev/null || true
  if [ -f "$SNAPSHOT" ]; then
    local line
    while read -r line; do
      case "$line" in
        sysctl\ *=absent) ;;
        sysctl\ *) sysctl -qw "${line#sysctl }" >/dev/null 2>&1 || true ;;
      esac
    done <"$SNAPSHOT"
    for name in "${HOST_DIRS[@]}"; do
      grep -qx "path $name" "$SNAPSHOT" || rm -rf "$name"
    done
  fi
  rm -rf "$STATE" "$RUN" "$KUBECONFIG_FILE"
  local differences=""
  if [ -f "$SNAPSHOT" ]; then
    differences="$(diff <(host_facts | sort -u) "$SNAPSHOT" | grep '^[<>]' || true)"
  fi
  if [ -n "$differences" ]; then
    log "could not restore (< now, > before up):"
    printf '%s\n' "$differences" >&2
    log "snapshot kept: $SNAPSHOT"
    exit 1
  fi
  rm -f "$SNAPSHOT"
  log "down in $((SECONDS - started))s; the host is as \`up\` found it"
}

status() {
  local name
  for name in "${DAEMONS[@]}"; do
    if running "$name"; then echo "$name: running (pid $(pid_of "$name"))"; else echo "$name: stopped"; fi
  done
  running kube-apiserver || return 0
  kubectl get nodes -o wide
  kubectl get pods -A -o wide
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  *) die "usage: scripts/cluster.sh up|down|status" ;;
esac
