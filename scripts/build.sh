#!/usr/bin/env bash
# Builds connect-otel-agent.jar: the Rust library (release) for every Linux a worker runs on, inside the Java
# shim (Java 11 bytecode).
#   scripts/build.sh            -> build/connect-otel-agent.jar, build/connect-otel-api.jar,
#                                  build/native/<platform>/libconnect_otel.so
#   scripts/build.sh --test     -> also build/test/connect-otel-agent.jar (x86_64 glibc library with test hooks)
# The four libraries are cross-built from this x86_64 machine with cargo-zigbuild: zig is the linker and C
# compiler for every target, and the glibc targets are linked against glibc 2.17's symbol versions, so one
# library loads on RHEL/UBI 7-9, Amazon Linux 2, Debian 10+ and Ubuntu 18.04+. scripts/setup.sh installs zig,
# cargo-zigbuild and the Rust targets. CONNECT_OTEL_PLATFORMS="linux-x86_64 ..." builds fewer (development).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

need() { command -v "$1" >/dev/null 2>&1 || { echo "build: $1 is required but not installed" >&2; exit 1; }; }
need cargo; need javac; need jar
tools=$root/.cache/tools/venv/bin
[ -x "$tools/cargo-zigbuild" ] || { echo "build: cargo-zigbuild is missing: run scripts/setup.sh" >&2; exit 1; }
export PATH="$tools:$PATH"

# platform (the jar's native/<platform>/ folder) -> the target cargo-zigbuild builds it for.
target_of() {
  case $1 in
    linux-x86_64) echo x86_64-unknown-linux-gnu.2.17 ;;
    linux-aarch64) echo aarch64-unknown-linux-gnu.2.17 ;;
    linux-x86_64-musl) echo x86_64-unknown-linux-musl ;;
    linux-aarch64-musl) echo aarch64-unknown-linux-musl ;;
    *) echo "build: unknown platform $1" >&2; exit 1 ;;
  esac
}
all_platforms="linux-x86_64 linux-aarch64 linux-x86_64-musl linux-aarch64-musl"
platforms=${CONNECT_OTEL_PLATFORMS:-$all_platforms}
# cargo's output folder for a target: the glibc version suffix is zigbuild's, not cargo's.
out_dir() { local t; t=$(target_of "$1"); echo "target/${t%.2.17}/release"; }

# The tracing API's ConnectHeaders compiles against Connect's Headers type (provided by the worker at run time).
CONNECT_API_VERSION=4.1.1
api_lib=.cache/build-lib
if [ ! -f "$api_lib/connect-api-$CONNECT_API_VERSION.jar" ]; then
  need mvn
  mkdir -p "$api_lib"
  mvn -B dependency:copy -Dartifact=org.apache.kafka:connect-api:$CONNECT_API_VERSION -DoutputDirectory="$api_lib" \
    > "$api_lib/mvn.log" 2>&1 || { tail -20 "$api_lib/mvn.log" >&2; echo "build: cannot fetch connect-api from Maven Central" >&2; exit 1; }
fi
compile_classpath="$api_lib/connect-api-$CONNECT_API_VERSION.jar"
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
commit=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
if [ "$commit" != unknown ] && ! git diff --quiet HEAD -- 2>/dev/null; then commit="$commit-dirty"; fi
# Jar entries dated by the commit, not the clock, so the same commit gives the same jar (the libraries already
# are byte for byte the same from one build to the next).
jar_date=$(git log -1 --format=%cI 2>/dev/null || echo 2026-01-01T00:00:00Z)

# build <platform> [cargo args...]: the release library for one platform.
build() {
  local platform=$1; shift
  cargo zigbuild --release --lib --target "$(target_of "$platform")" "$@"
}

# package [--test-hooks] <out jar> <platform>...: the shim's classes, build-info and the given platforms'
# libraries. --test-hooks adds java-shim/src/test-hooks (the natives only a test-hooks library implements), for
# the test jar: the shipped jar never carries them.
package() {
  local sources=java-shim/src/main/java
  if [ "$1" = --test-hooks ]; then sources="$sources java-shim/src/test-hooks/java"; shift; fi
  local out=$1 classes carried=""; shift
  classes=$(mktemp -d)
  # shellcheck disable=SC2046,SC2086
  javac --release 11 -Xlint:all -Werror -cp "$compile_classpath" -d "$classes" $(find $sources -name '*.java')
  for platform in "$@"; do
    mkdir -p "$classes/native/$platform"
    cp "$(out_dir "$platform")/libconnect_otel.so" "$classes/native/$platform/libconnect_otel.so"
    carried="$carried${carried:+,}$platform"
  done
  # What `java -jar connect-otel-agent.jar --version` prints, and the list the loader names when it has nothing
  # for the platform it runs on.
  printf 'version=%s\ncommit=%s\nplatforms=%s\n' "$version" "$commit" "$carried" > "$classes/io/connectotel/agent/build.properties"
  cat > "$classes/MANIFEST.MF" <<MF
Main-Class: io.connectotel.agent.Main
Premain-Class: io.connectotel.agent.Agent
Agent-Class: io.connectotel.agent.Agent
Implementation-Title: connect-otel
Implementation-Version: $version
Enable-Native-Access: ALL-UNNAMED
MF
  mkdir -p "$(dirname "$out")"
  rm -f "$out"
  (cd "$classes" && jar --create --date="$jar_date" --file "$root/$out" --manifest MANIFEST.MF io native)
  # The tracing API alone, for connectors to compile against (provided/compileOnly) or bundle.
  (cd "$classes" && jar --create --date="$jar_date" --file "$root/build/connect-otel-api.jar" io/connectotel/api)
  rm -rf "$classes"
  echo "build: $out ($(stat -c %s "$out") bytes; $carried)"
}

if [ "${1:-}" = "--test" ]; then
  # First, so that the plain build below leaves the x86_64 target without test hooks (and up to date for a
  # later scripts/build.sh). Same target dir: only this crate is rebuilt for the other feature set.
  build linux-x86_64 --features test-hooks
  package --test-hooks build/test/connect-otel-agent.jar linux-x86_64
fi
rm -rf build/native
for platform in $platforms; do
  build "$platform"
  mkdir -p "build/native/$platform"
  cp "$(out_dir "$platform")/libconnect_otel.so" "build/native/$platform/libconnect_otel.so"
done
# shellcheck disable=SC2086
package build/connect-otel-agent.jar $platforms
