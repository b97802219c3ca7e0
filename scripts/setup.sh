#!/usr/bin/env bash
# Installs what the build and the tests need when it is missing: a C compiler, a JDK (17+), Maven, curl, Go
# (for the test collector; a newer toolchain comes from the Go module proxy if needed), Python 3 (for the
# cross toolchain below). Rust (rustup) must be there; this adds the aarch64 and musl targets, and zig with
# cargo-zigbuild from PyPI into .cache/tools/venv (the linker and C compiler for all four libraries).
# Safe to run again: it only installs what is not there.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v cc >/dev/null 2>&1 || missing+=(gcc libc6-dev)
command -v javac >/dev/null 2>&1 || missing+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null 2>&1 || missing+=(maven)
command -v curl >/dev/null 2>&1 || missing+=(curl)
command -v go >/dev/null 2>&1 || missing+=(golang-go)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
command -v python3 >/dev/null 2>&1 || missing+=(python3 python3-venv)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing ${missing[*]}"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "setup: please install: ${missing[*]}" >&2
    exit 1
  fi
fi
if ! command -v cargo >/dev/null 2>&1; then
  echo "setup: Rust (cargo) is required: https://rustup.rs" >&2
  exit 1
fi

# The cross toolchain: pinned, so every machine links the same way.
ZIGLANG_VERSION=0.17.0
CARGO_ZIGBUILD_VERSION=0.24.0
tools=.cache/tools
stamp="$tools/venv/.versions"
want="ziglang==$ZIGLANG_VERSION cargo-zigbuild==$CARGO_ZIGBUILD_VERSION"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "setup: installing $want into $tools/venv"
  rm -rf "$tools/venv"
  mkdir -p "$tools"
  python3 -m venv "$tools/venv" || { echo "setup: python3 -m venv failed (install python3-venv)" >&2; exit 1; }
  # shellcheck disable=SC2086
  "$tools/venv/bin/pip" install -q --disable-pip-version-check $want \
    || { echo "setup: cannot install $want from PyPI" >&2; exit 1; }
  echo "$want" > "$stamp"
fi
if command -v rustup >/dev/null 2>&1; then
  installed=$(rustup target list --installed)
  for target in x86_64-unknown-linux-gnu aarch64-unknown-linux-gnu x86_64-unknown-linux-musl aarch64-unknown-linux-musl; do
    grep -qx "$target" <<<"$installed" || rustup target add "$target"
  done
else
  echo "setup: rustup is needed to add the aarch64 and musl targets (https://rustup.rs)" >&2
  exit 1
fi
