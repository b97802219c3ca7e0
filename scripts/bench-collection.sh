#!/usr/bin/env bash
# The collection benchmark: a JVM holding a Connect worker's MBeans for N = 10, 100 and 1,000 tasks
# (bench/collection/ConnectWorker.java: kafka-clients' Metrics + JmxReporter), measured in one run:
#   floor         a pure-Java queryNames + getAttributes loop for the same MBeans and attributes (same JVM)
#   ours          one full collection (JNI reads, snapshot, mapping, the OTLP request bodies; not the
#                 sending) through the test-hooks jar, in the same JVM: timed in rounds that run the floor,
#                 ours and the read's Java work alone next to each other (TestHooks.benchPaired), CPU and
#                 heap from blocks of rounds of one side (TestHooks.benchCollect)
#   jmx_exporter  time per scrape of jmx_prometheus_javaagent's endpoint, Connect rules after Strimzi's
#   registrations the time to register a worker's MBeans with the agent's registration listener over without it
#   otel agent    process CPU per interval of a JVM with the OpenTelemetry Java agent
#                 (otel.jmx.target.system=experimental-kafka-connect) over the same JVM without an agent
# plus Java heap per attribute, CPU share at a 10 s interval, RSS added, start-up added by premain, jar size.
# Prints one table (bench/collection/README.md explains every number); raw RESULT lines and the JVMs' logs
# are kept in build/bench-collection/.
#   scripts/bench-collection.sh           the whole benchmark (about 15-20 minutes on 2 cores)
#   scripts/bench-collection.sh --smoke   N = 10, a few rounds, no peers (well under a minute once built)
# The JDK is `java` on PATH, or $JAVA.
set -euo pipefail
cd "$(dirname "$0")/.."

smoke=0
case "${1:-}" in
  --smoke) smoke=1 ;;
  "") ;;
  *) echo "usage: scripts/bench-collection.sh [--smoke]" >&2; exit 2 ;;
esac

JMX_EXPORTER_VERSION=1.0.1   # the newest io.prometheus.jmx:jmx_prometheus_javaagent served here
OTEL_AGENT_VERSION=2.33.1    # experimental-kafka-connect exists from 2.29.0 (before: kafka-connect)
java=${JAVA:-java}

# Build only what is missing or older than its sources (a test-hooks build and a release build each recompile
# the crate).
stale() { [ ! -f "$1" ] || [ -n "$(find src java-shim Cargo.toml Cargo.lock build.rs -newer "$1" -print -quit)" ]; }
if stale build/connect-otel-agent.jar || stale build/test/connect-otel-agent.jar; then
  scripts/build.sh --test
fi
[ -f .cache/fixture-lib/.complete ] || scripts/fetch-test-deps.sh
lib=.cache/bench-lib
jmx_jar=$lib/jmx_prometheus_javaagent-$JMX_EXPORTER_VERSION.jar
otel_jar=$lib/opentelemetry-javaagent-$OTEL_AGENT_VERSION.jar
if [ $smoke = 0 ]; then
  mkdir -p "$lib"
  for artifact in io.prometheus.jmx:jmx_prometheus_javaagent:$JMX_EXPORTER_VERSION \
      io.opentelemetry.javaagent:opentelemetry-javaagent:$OTEL_AGENT_VERSION; do
    name=$(echo "$artifact" | cut -d: -f2)-$(echo "$artifact" | cut -d: -f3).jar
    [ -f "$lib/$name" ] && continue
    mvn -B dependency:copy -Dartifact="$artifact" -DoutputDirectory="$lib" > "$lib/mvn.log" 2>&1 \
      || { tail -20 "$lib/mvn.log" >&2; echo "bench: cannot fetch $artifact from Maven Central" >&2; exit 1; }
  done
fi

out=build/bench-collection
rm -rf "$out" && mkdir -p "$out/classes"
# Private copies of the two jars: another build in this work tree must not swap them during the run.
snapshot() {
  for _ in $(seq 100); do
    cp "$1" "$2" 2>/dev/null && unzip -tqq "$2" > /dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "bench: no complete $1" >&2
  exit 1
}
snapshot build/connect-otel-agent.jar "$out/connect-otel-agent.jar"
snapshot build/test/connect-otel-agent.jar "$out/connect-otel-agent-test.jar"
javac --release 11 -Xlint:all -Werror -cp ".cache/fixture-lib/*" -d "$out/classes" bench/collection/*.java
cp="$out/classes:.cache/fixture-lib/*"
printf 'Premain-Class: EmptyAgent\n' > "$out/empty-agent.mf"
jar --create --file "$out/empty-agent.jar" --manifest "$out/empty-agent.mf" -C "$out/classes" EmptyAgent.class
results=$out/results.txt
log=$out/jvm.log
: > "$results"
: > "$log"

# The caller's OTEL_* settings must not reach the agents under test.
for v in $(env | sed -n 's/^\(OTEL_[A-Za-z0-9_]*\)=.*/\1/p'); do unset "$v"; done

# bench <what> <java arguments…>: one JVM; its RESULT lines go to the results, everything else to the log.
bench() {
  local what=$1
  shift
  echo "bench: $what" >&2
  echo "== $what: $java $*" >> "$log"
  "$java" "$@" 2>> "$log" | while IFS= read -r line; do
    case "$line" in
      RESULT*) echo "$line" >> "$results" ;;
      *) echo "$line" >> "$log" ;;
    esac
  done
}

free_port() { "$java" -cp "$out/classes" CollectionBench free-port; }

load_start=$(cut -d' ' -f1-3 /proc/loadavg)
echo "RESULT jar bytes=$(stat -c %s "$out/connect-otel-agent.jar")" >> "$results"

if [ $smoke = 1 ]; then
  sizes=10; warmup=2; rounds=5; launches=3
else
  sizes=10,100,1000; warmup=5; rounds=20; launches=11
fi

# Floor and ours, same JVM. The test-hooks jar with both exporters off: the library is loaded, nothing runs
# on its own, and benchCollect does the collections on the calling thread.
bench "floor and ours, N = $sizes" -Xms1g -Xmx1g \
  "-javaagent:$out/connect-otel-agent-test.jar=otel.metrics.exporter=none,otel.traces.exporter=none" \
  -cp "$cp" CollectionBench ours "$sizes" "$warmup" "$rounds"

# The registration listener's cost on the threads that register MBeans (Connect's): a worker's MBeans registered
# with and without it, alternating, in one JVM with the agent jar on the class path (no agent started).
bench "registrations with and without the listener, N = $sizes" -Xms1g -Xmx1g \
  -cp "$cp:$out/connect-otel-agent.jar" CollectionBench registrations "$sizes" "$([ $smoke = 1 ] && echo 2 || echo 10)"

# An OTLP/HTTP receiver on loopback that accepts and drops every export, for the whole-agent runs.
sink_port=$(free_port)
"$java" -Xmx64m -cp "$out/classes" CollectionBench sink "$sink_port" >> "$log" 2>&1 &
sink_pid=$!
trap 'kill "$sink_pid" 2>/dev/null || true' EXIT
ours_agent="-javaagent:$out/connect-otel-agent.jar=otel.metric.export.interval=1000,otel.exporter.otlp.protocol=http/protobuf,otel.exporter.otlp.endpoint=http://127.0.0.1:$sink_port,otel.traces.exporter=none"

if [ $smoke = 0 ]; then
  jmx_port=$(free_port)
  bench "jmx_exporter $JMX_EXPORTER_VERSION, time per scrape, N = $sizes" -Xms1g -Xmx1g \
    "-javaagent:$jmx_jar=127.0.0.1:$jmx_port:bench/collection/jmx-exporter-connect.yaml" \
    -cp "$cp" CollectionBench jmx "$sizes" 1 3 "$jmx_port"

  # Whole agents, 1 s interval: process CPU over 20 intervals after 30 s (start-up, JIT, the OpenTelemetry
  # agent's MBean discovery), against the same JVM without an agent. A fixed, pre-touched heap keeps the
  # garbage collector's heap growth out of the RSS numbers.
  otel_agent=("-javaagent:$otel_jar" -Dotel.metrics.exporter=otlp -Dotel.exporter.otlp.protocol=http/protobuf
    "-Dotel.exporter.otlp.endpoint=http://127.0.0.1:$sink_port" -Dotel.metric.export.interval=1000
    -Dotel.traces.exporter=none -Dotel.logs.exporter=none -Dotel.jmx.target.system=experimental-kafka-connect)
  heap=(-Xms1g -Xmx1g -XX:+AlwaysPreTouch)
  # At the largest N the pair without agent and with ours runs three times (RSS moves by several MB from one
  # JVM to the next; the report takes medians).
  largest=${sizes##*,}
  for n in ${sizes//,/ }; do
    for _ in $(seq "$([ "$n" = "$largest" ] && echo 3 || echo 1)"); do
      bench "no agent, N = $n" "${heap[@]}" -cp "$cp" CollectionBench idle none "$n" 30 20 1000 "$sink_port"
      bench "connect-otel agent, N = $n" "${heap[@]}" "$ours_agent" \
        -cp "$cp" CollectionBench idle ours "$n" 30 20 1000 "$sink_port"
    done
    bench "OpenTelemetry Java agent $OTEL_AGENT_VERSION, N = $n" "${heap[@]}" "${otel_agent[@]}" \
      -cp "$cp" CollectionBench idle otel "$n" 30 20 1000 "$sink_port"
    # Like for like: the MBeans the OpenTelemetry agent's Kafka Connect rules read (Connect's own, no clients,
    # no plugin, coordinator or app-info MBeans); both agents add the JVM's metrics.
    bench "connect-otel agent, the OpenTelemetry agent's MBean set, N = $n" "${heap[@]}" \
      "$ours_agent,otel.connect.metrics.clients.enabled=false,otel.connect.metrics.plugins.enabled=false,otel.connect.metrics.coordinator.enabled=false,otel.connect.metrics.app-info.enabled=false" \
      -cp "$cp" CollectionBench idle same "$n" 30 20 1000 "$sink_port"
  done
fi

# Start-up: launch to main() without an agent, with an agent whose premain does nothing, and with ours,
# interleaved.
echo "bench: start-up, $launches launches each" >&2
for _ in $(seq "$launches"); do
  for agent in none "-javaagent:$out/empty-agent.jar" "$ours_agent"; do
    case $agent in none) label=none; args=() ;; *empty-agent*) label=empty; args=("$agent") ;; *) label=agent; args=("$agent") ;; esac
    "$java" "${args[@]}" -cp "$out/classes" CollectionBench startup $label "$(date +%s%N)" 2>> "$log" \
      | grep '^RESULT' >> "$results"
  done
done

load_end=$(cut -d' ' -f1-3 /proc/loadavg)
echo
echo "connect-otel collection benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores," \
  "load average $load_start at the start, $load_end at the end"
echo "$("$java" -version 2>&1 | head -1); jmx_exporter $JMX_EXPORTER_VERSION; OpenTelemetry Java agent" \
  "$OTEL_AGENT_VERSION; fixture: Connect 4.1 MBeans from kafka-clients 4.1.1 Metrics + JmxReporter"
"$java" -cp "$out/classes" CollectionBench report "$results"
