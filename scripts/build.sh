#!/usr/bin/env bash
# Builds connect-otel-agent.jar: the Rust library (release) inside the Java shim (Java 11 bytecode).
#   scripts/build.sh            -> build/connect-otel-agent.jar
#   scripts/build.sh --test     -> also build/test/connect-otel-agent.jar (library with test hooks)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

need() { command -v "$1" >/dev/null 2>&1 || { echo "build: $1 is required but not installed" >&2; exit 1; }; }
need cargo; need javac; need jar

# package <library> <out jar>
package() {
  local lib=$1 out=$2 classes
  classes=$(mktemp -d)
  javac --release 11 -Xlint:all -Werror -d "$classes" $(find java-shim/src/main/java -name '*.java')
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
