#!/usr/bin/env bash
# A real Kafka cluster on loopback: one KRaft broker and N Connect workers in distributed mode, each with the
# connect-otel agent attached, as plain processes.
#
#   scripts/kafka-cluster.sh fetch
#       Fetches the pinned Kafka (KAFKA_VERSION, default 4.3.1) from Maven Central into
#       .cache/kafka-<version>/libs. A second run is offline.
#   scripts/kafka-cluster.sh run [--workers N] [--dir DIR] [--agent-args ARGS] [--no-agent] [--no-agent-on I]
#       Starts the broker and the workers on free ports, prints one line
#         ready dir=… broker=… workers=http://…,http://… pids=…,… version=… file-connectors=yes|no
#       and stays in the foreground until its standard input closes or it gets a signal; then (and on any
#       failure) it stops every process it started. Each process logs to DIR/<name>.log. --no-agent-on I starts
#       worker I (1-based) without the agent, ready for `java -jar connect-otel-agent.jar attach <pid>`.
#       Meanwhile it reads commands from its input, one a line:
#         start-worker I   starts worker I (1-based) again once it has exited, as it was started (properties,
#                          REST port, agent or not), appending to its log; answers `started worker=I pid=…`
#                          once its REST API answers.
#
# Environment: KAFKA_VERSION, KAFKA_JAVA (java binary for broker and workers), AGENT_JAR (default
# build/connect-otel-agent.jar), OTEL_* (passed to the workers' agents).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

KAFKA_VERSION=${KAFKA_VERSION:-4.3.1}
JAVA=${KAFKA_JAVA:-java}
AGENT_JAR=${AGENT_JAR:-$root/build/connect-otel-agent.jar}
cache=$root/.cache/kafka-$KAFKA_VERSION
libs=$cache/libs

say() { echo "kafka-cluster: $*" >&2; }
die() { say "error: $*"; exit 1; }

# connect-file must match the runtime (4.4 moved classes that 4.3's connect-file uses), and the registry this
# project can reach serves no connect-file 4.4.x: those versions run without the FileStream connectors.
has_connect_file() { case $1 in 4.4.*) return 1 ;; *) return 0 ;; esac; }

fetch() {
  [ -f "$libs/.complete" ] && return 0
  command -v mvn >/dev/null 2>&1 || die "Maven (mvn) is required to fetch Kafka from Maven Central"
  say "fetching Apache Kafka $KAFKA_VERSION from Maven Central into $libs"
  rm -rf "$libs"; mkdir -p "$libs"
  local file_opt=-Dconnect.file.version="$KAFKA_VERSION"
  has_connect_file "$KAFKA_VERSION" || file_opt=-DskipConnectFile
  if ! mvn -B -f e2e/pom.xml dependency:copy-dependencies -DincludeScope=runtime \
      -Dkafka.version="$KAFKA_VERSION" "$file_opt" -DoutputDirectory="$libs" > "$cache/mvn.log" 2>&1; then
    grep -E "ERROR" "$cache/mvn.log" | head -5 >&2 || true
    die "could not fetch Kafka $KAFKA_VERSION (is Maven Central reachable? full log: $cache/mvn.log)"
  fi
  touch "$libs/.complete"
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

free_port() {
  local p
  for _ in $(seq 200); do
    p=$(( 20000 + RANDOM % 20000 ))
    if ! port_in_use "$p" && ! grep -qx "$p" "$dir/.ports" 2>/dev/null; then
      echo "$p" >> "$dir/.ports"
      echo "$p"
      return 0
    fi
  done
  die "no free port found"
}

java_major() { "$JAVA" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p' | cut -d. -f1; }

pids=()
names=()
stop_all() {
  local i
  for i in "${!pids[@]}"; do kill -TERM "${pids[$i]}" 2>/dev/null || true; done
  for _ in $(seq 100); do
    local alive=0
    for i in "${!pids[@]}"; do kill -0 "${pids[$i]}" 2>/dev/null && alive=1; done
    [ $alive = 0 ] && return 0
    sleep 0.1
  done
  for i in "${!pids[@]}"; do kill -KILL "${pids[$i]}" 2>/dev/null || true; done
}

fail_with_logs() {
  say "error: $1"
  local f
  for f in "$dir"/*.log; do
    [ -f "$f" ] || continue
    echo "---- last lines of $f" >&2
    tail -n 25 "$f" >&2
  done
  exit 1
}

# start NAME CMD… : runs a process in the background with its output in DIR/NAME.log
start() {
  local name=$1; shift
  "$@" > "$dir/$name.log" 2>&1 &
  pids+=($!)
  names+=("$name")
}

wait_until() { # wait_until SECONDS DESCRIPTION PID COMMAND…
  local secs=$1 what=$2 pid=$3; shift 3
  local deadline=$(( SECONDS + secs ))
  until "$@" >/dev/null 2>&1; do
    kill -0 "$pid" 2>/dev/null || fail_with_logs "$what: the process exited"
    [ $SECONDS -lt $deadline ] || fail_with_logs "$what: not up within ${secs}s"
    sleep 0.5
  done
}

rest_up() { curl -sf -o /dev/null "$1/"; }

# Set by run, read by launch_worker: whether workers get the agent, its arguments, the worker started without
# it, the JVM options, and each worker's REST port.
agent=1 agent_args="" bare=0 jvm_opts=() rest_ports=()

# launch_worker I: worker I's JVM (1-based) in the background, appending to DIR/worker-I.log, its pid in slot I
# of pids (the broker is slot 0): the one command line for its first start and a start-worker.
launch_worker() {
  local i=$1 agent_opt=()
  if [ $agent = 1 ] && [ "$i" != "$bare" ]; then
    if [ -n "$agent_args" ]; then agent_opt=("-javaagent:$AGENT_JAR=$agent_args"); else agent_opt=("-javaagent:$AGENT_JAR"); fi
  elif [ "$i" = "$bare" ]; then
    # What docs/attach.md tells operators to add: no JDK 21+ warning when the agent is attached later.
    agent_opt=(-XX:+EnableDynamicAgentLoading)
  fi
  "$JAVA" "${jvm_opts[@]}" "${agent_opt[@]}" -cp "$libs/*:$root/build/e2e-plugins/*" \
    org.apache.kafka.connect.cli.ConnectDistributed "$dir/worker-$i.properties" >> "$dir/worker-$i.log" 2>&1 &
  pids[$i]=$!
  names[$i]="worker-$i"
}

# start_again I: worker I once more, after it exited (its pid slot is reused, so stop_all never signals the old
# process's number).
start_again() {
  local i=$1
  [[ "$i" =~ ^[0-9]+$ ]] && [ -n "${rest_ports[$i]:-}" ] || die "start-worker: no worker $i"
  ! kill -0 "${pids[$i]}" 2>/dev/null || die "start-worker: worker $i (pid ${pids[$i]}) still runs"
  launch_worker "$i"
  wait_until 120 "worker $i again at 127.0.0.1:${rest_ports[$i]}" "${pids[$i]}" rest_up "http://127.0.0.1:${rest_ports[$i]}"
  echo "started worker=$i pid=${pids[$i]}"
}

run() {
  local workers=2
  dir=""
  while [ $# -gt 0 ]; do
    case $1 in
      --workers) workers=$2; shift 2 ;;
      --dir) dir=$2; shift 2 ;;
      --agent-args) agent_args=$2; shift 2 ;;
      --no-agent) agent=0; shift ;;
      --no-agent-on) bare=$2; shift 2 ;;
      *) die "unknown option $1" ;;
    esac
  done
  command -v "$JAVA" >/dev/null 2>&1 || die "Java ($JAVA) is not installed"
  command -v curl >/dev/null 2>&1 || die "curl is required"
  [ $agent = 0 ] || [ -f "$AGENT_JAR" ] || die "$AGENT_JAR is missing: run scripts/build.sh"
  fetch
  [ -n "$dir" ] || dir=$(mktemp -d "${TMPDIR:-/tmp}/connect-otel-cluster.XXXXXX")
  mkdir -p "$dir"
  trap stop_all EXIT
  trap 'exit 130' INT TERM HUP

  jvm_opts=(-Xms128m -Xmx512m -XX:+UseG1GC -Dlog4j2.configurationFile="$root/e2e/log4j2.properties")
  local major; major=$(java_major)
  [ "${major:-0}" -ge 24 ] && jvm_opts+=(--enable-native-access=ALL-UNNAMED)

  local broker controller
  broker=$(free_port); controller=$(free_port)
  cat > "$dir/broker.properties" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$controller
listeners=PLAINTEXT://127.0.0.1:$broker,CONTROLLER://127.0.0.1:$controller
advertised.listeners=PLAINTEXT://127.0.0.1:$broker
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$dir/broker-data
num.partitions=1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
EOF
  local cluster_id
  cluster_id=$("$JAVA" -cp "$libs/*" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -1)
  "$JAVA" "${jvm_opts[@]}" -cp "$libs/*" kafka.tools.StorageTool format -t "$cluster_id" -c "$dir/broker.properties" \
    > "$dir/format.log" 2>&1 || fail_with_logs "formatting the broker's storage failed"
  start broker "$JAVA" "${jvm_opts[@]}" -cp "$libs/*" kafka.Kafka "$dir/broker.properties"
  wait_until 90 "broker on 127.0.0.1:$broker" "${pids[0]}" port_in_use "$broker"

  local urls=() wpids=() i rest
  for i in $(seq "$workers"); do
    rest=$(free_port)
    rest_ports[$i]=$rest
    cat > "$dir/worker-$i.properties" <<EOF
bootstrap.servers=127.0.0.1:$broker
group.id=connect-otel-e2e
key.converter=org.apache.kafka.connect.json.JsonConverter
value.converter=org.apache.kafka.connect.json.JsonConverter
key.converter.schemas.enable=false
value.converter.schemas.enable=false
offset.storage.topic=connect-offsets
config.storage.topic=connect-configs
status.storage.topic=connect-status
offset.storage.replication.factor=1
config.storage.replication.factor=1
status.storage.replication.factor=1
listeners=http://127.0.0.1:$rest
rest.advertised.host.name=127.0.0.1
rest.advertised.port=$rest
offset.flush.interval.ms=2000
scheduled.rebalance.max.delay.ms=3000
EOF
    # Plugins in their own directories (Connect's isolated class loaders), where scripts/fetch-test-deps.sh
    # built some; build/e2e-plugins (launch_worker's class path) holds the rest.
    if [ -d "$root/build/e2e-plugin-path" ]; then echo "plugin.path=$root/build/e2e-plugin-path" >> "$dir/worker-$i.properties"; fi
    : > "$dir/worker-$i.log"
    launch_worker "$i"
    urls+=("http://127.0.0.1:$rest")
    wpids+=("${pids[-1]}")
  done
  for i in "${!urls[@]}"; do
    wait_until 120 "worker $((i + 1)) at ${urls[$i]}" "${wpids[$i]}" rest_up "${urls[$i]}"
  done
  local IFS=,
  local file_connectors=no
  compgen -G "$libs/connect-file-*.jar" > /dev/null && file_connectors=yes
  echo "ready dir=$dir broker=127.0.0.1:$broker workers=${urls[*]} pids=${wpids[*]} version=$KAFKA_VERSION file-connectors=$file_connectors"
  unset IFS
  # Stay until the caller closes our input (or a signal arrives), doing what it asks; the EXIT trap stops
  # everything.
  local command arg
  while read -r command arg; do
    case $command in
      start-worker) start_again "$arg" ;;
      *) say "unknown command: $command $arg" ;;
    esac
  done
}

case "${1:-}" in
  fetch) fetch ;;
  run) shift; run "$@" ;;
  *) echo "usage: $0 fetch | run [--workers N] [--dir DIR] [--agent-args ARGS] [--no-agent] [--no-agent-on I]" >&2; exit 2 ;;
esac
