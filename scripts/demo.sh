#!/usr/bin/env bash
# The demo: builds the agent, provisions Apache Kafka from Maven Central, starts a KRaft broker and a Connect
# worker with the agent attached, deploys demo connectors (a healthy FileStream pipeline fed continuously,
# a traced custom source/sink pair, and a JSON sink that fails after a while when a bad line arrives), and
# shows what the agent exports in a
# live terminal view fed by a local OTLP receiver (examples/otlp_view.rs). Ctrl-C stops everything.
#
# With OTEL_EXPORTER_OTLP_ENDPOINT set, the agent sends to your collector instead and no view is shown.
# DEMO_SECONDS=N stops the demo after N seconds (and prints one frame of the view), for unattended runs.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

scripts/setup.sh
scripts/build.sh
scripts/fetch-test-deps.sh   # compiles the example connectors into build/e2e-plugins
scripts/kafka-cluster.sh fetch

work=$(mktemp -d "${TMPDIR:-/tmp}/connect-otel-demo.XXXXXX")
pids=()
cleanup() {
  trap - EXIT INT TERM
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  echo "demo: stopped; logs are in $work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

view=0
if [ -z "${OTEL_EXPORTER_OTLP_ENDPOINT:-}" ]; then
  view=1
  cargo build --release --example otlp_view
  port=$(( 24000 + RANDOM % 8000 ))
  export OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$port"
fi
export OTEL_METRIC_EXPORT_INTERVAL=${OTEL_METRIC_EXPORT_INTERVAL:-5000}
export OTEL_BSP_SCHEDULE_DELAY=${OTEL_BSP_SCHEDULE_DELAY:-1000}

# The cluster script stays up while its input is open: feed it from a process we control.
mkfifo "$work/cluster.in"
sleep infinity > "$work/cluster.in" &
pids+=($!)
scripts/kafka-cluster.sh run --workers 1 --dir "$work/cluster" < "$work/cluster.in" > "$work/cluster.out" &
pids+=($!)
echo "demo: starting a broker and a Connect worker with the agent (logs in $work/cluster) …"
for _ in $(seq 300); do
  grep -q '^ready ' "$work/cluster.out" 2>/dev/null && break
  kill -0 "${pids[-1]}" 2>/dev/null || { echo "demo: the cluster did not start" >&2; exit 1; }
  sleep 1
done
worker=$(sed -n 's/.* workers=\([^ ]*\).*/\1/p' "$work/cluster.out")
[ -n "$worker" ] || { echo "demo: the cluster did not start in time" >&2; exit 1; }

put() { # put NAME JSON
  curl -sf -X PUT -H 'Content-Type: application/json' "$worker/connectors/$1/config" -d "$2" > /dev/null \
    || { echo "demo: could not create connector $1" >&2; exit 1; }
}
files="$work/files"; mkdir -p "$files"
: > "$files/lines.txt"; : > "$files/events.txt"
put lines-source "{\"connector.class\":\"org.apache.kafka.connect.file.FileStreamSourceConnector\",\"file\":\"$files/lines.txt\",\"topic\":\"demo-lines\",\"tasks.max\":\"1\"}"
put lines-sink "{\"connector.class\":\"org.apache.kafka.connect.file.FileStreamSinkConnector\",\"file\":\"$files/lines-out.txt\",\"topics\":\"demo-lines\",\"tasks.max\":\"1\"}"
# Raw lines in, parsed as JSON out: fine until a line that is not JSON arrives.
put events-source "{\"connector.class\":\"org.apache.kafka.connect.file.FileStreamSourceConnector\",\"file\":\"$files/events.txt\",\"topic\":\"demo-events\",\"tasks.max\":\"1\",\"value.converter\":\"org.apache.kafka.connect.storage.StringConverter\"}"
put events-json-sink "{\"connector.class\":\"org.apache.kafka.connect.file.FileStreamSinkConnector\",\"file\":\"$files/events-out.txt\",\"topics\":\"demo-events\",\"tasks.max\":\"1\",\"value.converter\":\"org.apache.kafka.connect.json.JsonConverter\",\"value.converter.schemas.enable\":\"false\"}"

# A custom connector pair traced with the connect-otel API: the sink continues the source's traces.
put traced-source "{\"connector.class\":\"io.connectotel.examples.TracedSourceConnector\",\"topic\":\"demo-traced\",\"records.per.poll\":\"5\",\"poll.interval.ms\":\"1000\",\"tasks.max\":\"1\"}"
put traced-sink "{\"connector.class\":\"io.connectotel.examples.TracedSinkConnector\",\"topics\":\"demo-traced\",\"tasks.max\":\"1\"}"

# Keep data flowing; after 45 s one bad event fails the JSON sink's task.
(
  n=0
  while true; do
    n=$((n + 1))
    for i in 1 2 3 4 5; do echo "line $n.$i" >> "$files/lines.txt"; done
    echo "{\"event\":$n}" >> "$files/events.txt"
    [ $n = 45 ] && echo "this is not JSON" >> "$files/events.txt"
    sleep 1
  done
) &
pids+=($!)

if [ $view = 0 ]; then
  echo "demo: exporting to $OTEL_EXPORTER_OTLP_ENDPOINT; Ctrl-C stops"
  if [ -n "${DEMO_SECONDS:-}" ]; then sleep "$DEMO_SECONDS"; else wait; fi
  exit 0
fi
# The view runs in the foreground and redraws in place until Ctrl-C (the agent's first exports may fail
# until it listens; they are retried every interval).
if [ -n "${DEMO_SECONDS:-}" ]; then
  OTLP_VIEW_ONCE_AFTER=$DEMO_SECONDS target/release/examples/otlp_view "$port"
else
  target/release/examples/otlp_view "$port"
fi
