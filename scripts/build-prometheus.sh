#!/usr/bin/env bash
# Provides a real Prometheus server (with its OTLP receiver) and promtool for the end-to-end tests, built from
# Prometheus's own Go module through the Go module proxy into .cache/prometheus/bin. Debian's package (2.42 on
# bookworm) predates the OTLP receiver (2.47+), hence the build. A second run only prints the paths.
# Last line of output: `prometheus=<path> promtool=<path>`.
# Start it with: prometheus --web.enable-otlp-receiver --config.file=... (OTLP at /api/v1/otlp/v1/metrics).
set -euo pipefail
cd "$(dirname "$0")/.."
# Prometheus 3.x is published as module version v0.3MM.P (= Prometheus 3.MM.P).
module_version=v0.316.0
prom_version=3.16.0
dir=$(pwd)/.cache/prometheus
bin=$dir/bin
stamp=$dir/version
if [ -x "$bin/prometheus" ] && [ -x "$bin/promtool" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$module_version" ]; then
  echo "prometheus=$bin/prometheus promtool=$bin/promtool"
  exit 0
fi
command -v go >/dev/null 2>&1 || { echo "build-prometheus: Go is required (scripts/setup.sh, or https://go.dev/dl)" >&2; exit 1; }
mkdir -p "$dir"
# The build's module and build caches take about 2.5 GB at their peak (removed again below); fail with the
# reason up front rather than with "no space left on device" from deep inside the Go build.
free_kb=$(df -Pk "$dir" | awk 'NR == 2 { print $4 }')
if [ "${free_kb:-0}" -lt $((3 * 1024 * 1024)) ]; then
  echo "build-prometheus: only $((free_kb / 1024)) MB free under $dir; the build needs about 3 GB" >&2
  exit 1
fi
echo "build-prometheus: building Prometheus $prom_version from Go modules (about 11 minutes on 2 cores the first time)" >&2
# Everything under .cache/prometheus so the repo stays self-contained; -modcacherw so `rm -rf .cache` works.
# GOTOOLCHAIN=auto: its go.mod needs a recent Go; an older local Go (>= 1.21) then fetches the right toolchain
# from the Go module proxy. GOFLAGS is replaced: the caller's flags (e.g. -mod=vendor) must not leak in.
# remove_all_sd: leaves out the cloud service discoveries (Kubernetes, AWS, Azure, ...), most of the build;
# static, file and HTTP discovery stay. No builtinassets tag: the web UI needs an npm build, the HTTP API is
# all we use. -p 2: the machines have 2 cores.
mkdir -p "$dir/tmp"
GOPATH="$dir/gopath" GOMODCACHE="$dir/gopath/pkg/mod" GOCACHE="$dir/gocache" GOTMPDIR="$dir/tmp" GOBIN="$bin" \
  GOTOOLCHAIN="${GOTOOLCHAIN:-auto}" GOFLAGS=-modcacherw CGO_ENABLED=0 \
  go install -p 2 -trimpath -tags netgo,remove_all_sd \
    -ldflags "-X github.com/prometheus/common/version.Version=$prom_version" \
    "github.com/prometheus/prometheus/cmd/prometheus@$module_version" \
    "github.com/prometheus/prometheus/cmd/promtool@$module_version" \
  || { echo "build-prometheus: go install failed (is the Go module proxy reachable? Go >= 1.21 needed)" >&2; exit 1; }
echo "$module_version" > "$stamp"
# Only the two binaries are used; the caches (2.3 GB) would only speed up a rebuild for another version.
rm -rf "$dir/gocache" "$dir/gopath" "$dir/tmp"
echo "prometheus=$bin/prometheus promtool=$bin/promtool"
