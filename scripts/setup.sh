#!/usr/bin/env bash
# Installs what the build and the tests need when it is missing: a C compiler, a JDK (17+), Maven, curl, Go
# (for the test collector; a newer toolchain comes from the Go module proxy if needed). Rust must be there.
# Safe to run again: it only installs what is not there.
set -euo pipefail

missing=()
command -v cc >/dev/null 2>&1 || missing+=(gcc libc6-dev)
command -v javac >/dev/null 2>&1 || missing+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null 2>&1 || missing+=(maven)
command -v curl >/dev/null 2>&1 || missing+=(curl)
command -v go >/dev/null 2>&1 || missing+=(golang-go)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
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
