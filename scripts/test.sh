#!/usr/bin/env bash
# The whole test suite, from a fresh clone: builds the agent jar (release, plus the test-hooks variant),
# fetches the fixture's jars from Maven Central, then runs every Rust unit and integration test
# (the integration tests start real JVMs with the real jar and an OTLP receiver inside the test; the
# end-to-end test runs a real broker, two Connect workers and a reference OpenTelemetry Collector).
set -euo pipefail
cd "$(dirname "$0")/.."

# A cold run needs about 8 GB of disk (Rust targets, Kafka jars, the Prometheus build); say so before it starts.
free_kb=$(df -Pk . | awk 'NR == 2 { print $4 }')
if [ "${free_kb:-0}" -lt $((8 * 1024 * 1024)) ]; then
  echo "test: warning: only $((free_kb / 1024)) MB of disk free here; a cold run needs about 8 GB" >&2
fi

scripts/setup.sh
# The Go builds (the test collector, Prometheus: about 11 minutes cold) run beside the Rust builds: both keep
# the cores busy, and each has stretches that do not (downloads, links, the last crate), which the other fills.
mkdir -p .cache
(scripts/build-otelcol.sh && scripts/build-prometheus.sh) > .cache/go-builds.log 2>&1 &
go_builds=$!
# Builds the jars (scripts/build.sh --test) and writes the release artifacts that tests/release_artifacts.rs checks.
scripts/dist.sh --test
scripts/fetch-test-deps.sh
scripts/fetch-cross-runtimes.sh >/dev/null  # qemu, musl and an arm64 JVM for tests/platform_*.rs
cargo test --all-targets --no-run
if ! wait "$go_builds"; then
  cat .cache/go-builds.log >&2
  echo "test: building the collector or Prometheus failed (above)" >&2
  exit 1
fi
tail -2 .cache/go-builds.log
cargo test --all-targets -- --test-threads="${CONNECT_OTEL_TEST_THREADS:-2}"
# The benchmarks' smoke runs (seconds of measuring each), so that they keep building and running.
scripts/bench-collection.sh --smoke
scripts/bench-spans.sh --smoke

# The rest of the compatibility matrix: the end-to-end test again for each other cell of Kafka {4.4.0, 4.3.1,
# 3.9.1} × JDK {17, 25} (JDK 25 cells when that JDK is installed). CONNECT_OTEL_MATRIX=0 skips them.
if [ "${CONNECT_OTEL_MATRIX:-1}" != 0 ]; then
  KAFKA_VERSION=4.4.0 cargo test --test e2e_kafka
  KAFKA_VERSION=3.9.1 cargo test --test e2e_kafka
  jdk25=${CONNECT_OTEL_JDK25:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}
  if [ -x "$jdk25" ]; then
    for version in 4.4.0 4.3.1 3.9.1; do
      KAFKA_VERSION=$version KAFKA_JAVA=$jdk25 cargo test --test e2e_kafka
    done
  else
    echo "test: no JDK 25 at $jdk25; the JDK 25 cells are skipped"
  fi
fi
