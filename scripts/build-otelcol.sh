#!/usr/bin/env bash
# Builds the small OpenTelemetry Collector of e2e/otelcol (the collector's own Go modules, from the Go module
# proxy) into .cache/otelcol/connect-otel-testcol. Rebuilt only when e2e/otelcol changes.
set -euo pipefail
cd "$(dirname "$0")/.."
out=.cache/otelcol/connect-otel-testcol
stamp=.cache/otelcol/source.sha256
sum=$(cat e2e/otelcol/go.mod e2e/otelcol/go.sum e2e/otelcol/main.go | sha256sum | cut -d' ' -f1)
if [ -x "$out" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$sum" ]; then
  exit 0
fi
command -v go >/dev/null 2>&1 || { echo "build-otelcol: Go is required (apt-get install golang-go, or https://go.dev/dl)" >&2; exit 1; }
mkdir -p .cache/otelcol
echo "build-otelcol: building the test collector from Go modules (a few minutes the first time)"
(cd e2e/otelcol && go build -trimpath -o "../../$out" .) || { echo "build-otelcol: go build failed (is the Go module proxy reachable?)" >&2; exit 1; }
echo "$sum" > "$stamp"
