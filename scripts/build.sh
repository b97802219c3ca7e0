#!/usr/bin/env bash
# Builds connect-otel-agent.jar: the Rust library (release) inside the Java shim (Java 11 bytecode).
#   scripts/build.sh            -> build/connect-otel-agent.jar
#   scripts/build.sh --test     -> also build/test/connect-otel-agent.jar (library with test hooks)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

need() { command -v "$1" >/dev/null 2>&1 || { echo "build: $1 is required but not installed" >&2; exit 1; }; }
need cargo; need javac; need jar

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

# package <library> <out jar>
package() {
  local lib=$1 out=$2 classes
  classes=$(mktemp -d)
  javac --release 11 -Xlint:all -Werror -cp "$compile_classpath" -d "$classes" $(find java-shim/src/main/java -name '*.java')
  mkdir -p "$classes/native/linux-x86_64"
  cp "$lib" "$classes/native/linux-x86_64/libconnect_otel.so"
  local version
  version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
  cat > "$classes/MANIFEST.MF" <<MF
Premain-Class: io.connectotel.agent.Agent
Agent-Class: io.connectotel.agent.Agent
Implementation-Title: connect-otel
Implementation-Version: $version
Enable-Native-Access: ALL-UNNAMED
MF
  mkdir -p "$(dirname "$out")"
  rm -f "$out"
  (cd "$classes" && jar --create --file "$root/$out" --manifest MANIFEST.MF io native)
  # The tracing API alone, for connectors to compile against (provided/compileOnly) or bundle.
  (cd "$classes" && jar --create --file "$root/build/connect-otel-api.jar" io/connectotel/api)
  rm -rf "$classes"
  echo "build: $out ($(stat -c %s "$out") bytes)"
}

cargo build --release --lib
package target/release/libconnect_otel.so build/connect-otel-agent.jar

if [ "${1:-}" = "--test" ]; then
  # Same target dir: only this crate is rebuilt for the other feature set, not its dependencies.
  cargo build --release --lib --features test-hooks
  package target/release/libconnect_otel.so build/test/connect-otel-agent.jar
  cargo build --release --lib
fi
