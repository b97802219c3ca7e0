#!/usr/bin/env bash
# The whole test suite, from a fresh clone: builds the agent jar (release, plus the test-hooks variant),
# fetches the fixture's jars from Maven Central, then runs every Rust unit and integration test
# (the integration tests start real JVMs with the real jar and an OTLP receiver inside the test; the
# end-to-end test runs a real broker, two Connect workers and a reference OpenTelemetry Collector).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
scripts/build.sh --test
scripts/fetch-test-deps.sh
scripts/build-otelcol.sh
cargo test --all-targets -- --test-threads="${CONNECT_OTEL_TEST_THREADS:-2}"
