#!/usr/bin/env bash
# Fetches the test fixture's jars (kafka-clients and a no-op SLF4J binding) from Maven Central into
# .cache/fixture-lib and compiles the fixture into build/fixture. A second run is offline.
set -euo pipefail
cd "$(dirname "$0")/.."
lib=.cache/fixture-lib
if [ ! -f "$lib/.complete" ]; then
  command -v mvn >/dev/null || { echo "fetch-test-deps: Maven (mvn) is required" >&2; exit 1; }
  rm -rf "$lib"; mkdir -p "$lib"
  mvn -B -f tests/fixture/pom.xml dependency:copy-dependencies -DoutputDirectory="$(pwd)/$lib" -DincludeScope=runtime \
    > .cache/fixture-mvn.log 2>&1 || { tail -40 .cache/fixture-mvn.log >&2; echo "fetch-test-deps: Maven failed (is Maven Central reachable?)" >&2; exit 1; }
  touch "$lib/.complete"
fi
mkdir -p build/fixture
javac --release 11 -cp "$lib/*" -d build/fixture tests/fixture/ConnectFixture.java
