#!/usr/bin/env bash
# The cost of one span (three attributes, start to end, on the calling thread): the connect-otel tracing API
# with the real agent attached against the OpenTelemetry Java SDK with a BatchSpanProcessor and its OTLP/HTTP
# exporter (JMH with -prof gc), each with the collector down (closed port) and up (a sink in the fork), on 1
# thread and 2; the same span through the OpenTelemetry API with GlobalOpenTelemetry on our agent (otelApi, no
# SDK; the report prints its ratios against the SDK with the target, <= 0.6 x in ns/op and B/op); the SDK with a no-op exporter (its best case); a drop probe (2 threads flooding, OTLP/HTTP to a
# counting sink: how many spans full queues dropped); and where each step allocates. Sources: bench/spans/.
#   scripts/bench-spans.sh           full run (about 4 minutes on 2 cores)
#   scripts/bench-spans.sh --smoke   seconds-long run (1 fork, 1 short iteration, collector up only) that
#                                    keeps it building and running
# Extra arguments go to the main JMH run (e.g. -p collector=closed). Results: bench/spans/target/results/
# (jmh*.csv and jmh*.txt, probe-*.txt, alloc-*.txt) and a table on standard output.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

mode=full
if [ "${1:-}" = "--smoke" ]; then mode=smoke; shift; fi
if [ "${1:-}" = "--full" ]; then shift; fi

need() { command -v "$1" >/dev/null 2>&1 || { echo "bench-spans: $1 is required but not installed" >&2; exit 1; }; }
need java; need mvn
case "$root" in *" "*) echo "bench-spans: the checkout path must not contain spaces (JMH splits -jvmArgsAppend on them)" >&2; exit 1;; esac

if [ ! -f build/connect-otel-agent.jar ] || [ ! -f build/connect-otel-api.jar ]; then
  scripts/build.sh
fi

# A private copy of both jars: build/ may be rebuilt by someone else while this runs (minutes).
snap=bench/spans/target/agent
mkdir -p "$snap"
copied=0
for _ in 1 2 3 4 5 6 7 8 9 10 11 12; do
  if cp build/connect-otel-agent.jar build/connect-otel-api.jar "$snap/" 2>/dev/null \
     && jar tf "$snap/connect-otel-agent.jar" >/dev/null 2>&1 && jar tf "$snap/connect-otel-api.jar" >/dev/null 2>&1; then
    copied=1; break
  fi
  sleep 5 # being rebuilt right now
done
[ "$copied" = 1 ] || { echo "bench-spans: cannot read build/connect-otel-agent.jar and build/connect-otel-api.jar" >&2; exit 1; }

out=bench/spans/target/results
mvn -B -f bench/spans/pom.xml -Dconnectotel.api.jar="$root/$snap/connect-otel-api.jar" package \
  > bench/spans/target/mvn.log 2>&1 \
  || { tail -40 bench/spans/target/mvn.log >&2; echo "bench-spans: Maven build failed (log: bench/spans/target/mvn.log)" >&2; exit 1; }
jar=bench/spans/target/benchmarks.jar
rm -rf "$out"; mkdir -p "$out"

# The user's OTEL_* settings must not change what is measured (the agent also reads the environment).
for v in $(env | sed -n 's/^\(OTEL_[A-Za-z0-9_]*\)=.*/\1/p'); do unset "$v"; done

# A port on 127.0.0.1 where nothing listens: the agent and the SDK export there; with collector=sink the
# benchmark fork starts its OTLP sink on it, with collector=closed nothing ever listens (connect refused).
free_port() {
  local p
  for _ in $(seq 1 200); do
    p=$(( 20000 + RANDOM % 40000 ))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return; fi
  done
  echo "bench-spans: no free port found" >&2; exit 1
}
port=$(free_port)

agent_jar="$root/$snap/connect-otel-agent.jar"
# Every span recorded (always_on) and handed to native, exported over OTLP/HTTP like the SDK's exporter; no
# metrics collection.
agent="-javaagent:$agent_jar=otel.exporter.otlp.endpoint=http://127.0.0.1:$port,otel.exporter.otlp.protocol=http/protobuf,otel.metrics.exporter=none,otel.traces.sampler=always_on"
jvm="-Xms1g -Xmx1g -Dbench.sink.port=$port"

if [ "$mode" = smoke ]; then
  jmh_run=(-f 1 -wi 0 -i 1 -r 1s -p collector=sink)
  probe_times=(0.5 1)
else
  jmh_run=(-f 1 -wi 3 -w 1s -i 5 -r 1s)
  probe_times=(3 10)
  # CPU cycles and instructions per span (whole JVM) from perf, where perf can count them: on a shared,
  # busy machine they move far less than wall time. (In a VM without PMU perf stat succeeds and says
  # "<not supported>", and JMH's perfnorm then refuses to start.)
  if command -v perf >/dev/null 2>&1 && counted=$(perf stat -x, -e cycles,instructions true 2>&1) \
     && ! grep -q "not supported" <<< "$counted"; then
    jmh_run+=(-prof 'perfnorm:events=cycles,instructions')
  fi
fi

echo "bench-spans: $mode run; load average before: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
jmh() { # <csv name> <JMH arguments...>
  local name=$1; shift
  echo "bench-spans: java -jar $jar $* -prof gc -jvmArgsAppend \"$jvm ${agent/$root\//}\""
  java -jar "$jar" "$@" -prof gc -foe true -rf csv -rff "$out/$name.csv" -jvmArgsAppend "$jvm $agent" \
    > "$out/$name.txt" 2>&1 \
    || { tail -60 "$out/$name.txt" >&2; echo "bench-spans: JMH failed (full output: $out/$name.txt)" >&2; exit 1; }
  sed -n '/^Benchmark /,$p' "$out/$name.txt"
}
jmh jmh 'io.connectotel.bench.SpanBench' "${jmh_run[@]}" "$@"
if [ "$mode" = full ]; then
  # The SDK's best case: a no-op exporter (its worker nearly free, its queue drained).
  jmh jmh-noop 'io.connectotel.bench.SpanBench.theirs' "${jmh_run[@]}" -p exporter=noop -p collector=closed
fi

# Drop probe: 2 threads flooding, OTLP/HTTP to a counting sink (its own JVM, same agent settings but a 1 s
# schedule delay, like the SDK's processor in the probe).
for who in ours theirs; do
  echo "bench-spans: java $jvm ${agent/$root\//},otel.bsp.schedule.delay=1000 -cp $jar io.connectotel.bench.DropProbe $who 2 ${probe_times[*]} $port $out/probe-$who.txt"
  # shellcheck disable=SC2086
  java $jvm "$agent,otel.bsp.schedule.delay=1000" -cp "$jar" io.connectotel.bench.DropProbe "$who" 2 "${probe_times[@]}" "$port" "$out/probe-$who.txt" \
    > "$out/probe-$who.log" 2>&1 \
    || { cat "$out/probe-$who.log" >&2; echo "bench-spans: the $who drop probe failed" >&2; exit 1; }
done

if [ "$mode" = full ]; then
  # Where each step of the span allocates on the calling thread (Java heap; the agent's copy is native).
  for who in ours theirs; do
    # shellcheck disable=SC2086
    java $jvm "$agent" -cp "$jar" io.connectotel.bench.AllocBreakdown "$who" > "$out/alloc-$who.txt" 2> "$out/alloc-$who.log" \
      || { cat "$out/alloc-$who.log" >&2; echo "bench-spans: the $who allocation breakdown failed" >&2; exit 1; }
  done
  cat "$out/alloc-ours.txt" "$out/alloc-theirs.txt"
fi

java -cp "$jar" io.connectotel.bench.Report "$out"
echo "bench-spans: load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
