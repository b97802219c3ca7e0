#!/usr/bin/env bash
# Fetches the test fixture's jars (kafka-clients, connect-api, a no-op SLF4J binding) from Maven Central into
# .cache/fixture-lib, compiles the example connectors (build/examples, build/e2e-plugins) and the fixture
# (build/fixture). A second run is offline.
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
[ -f build/connect-otel-api.jar ] || { echo "fetch-test-deps: build/connect-otel-api.jar is missing: run scripts/build.sh" >&2; exit 1; }
# The example connectors (traced with the API), also used by the end-to-end tests as a plugin jar.
rm -rf build/examples && mkdir -p build/examples build/e2e-plugins
javac --release 11 -Xlint:all,-try -Werror -cp "$lib/*:build/connect-otel-api.jar" -d build/examples \
  $(find examples/connectors -name '*.java')
jar --create --file build/e2e-plugins/connect-otel-examples.jar -C build/examples .
mkdir -p build/fixture
javac --release 11 -cp "$lib/*:build/connect-otel-api.jar:build/examples" -d build/fixture tests/fixture/ConnectFixture.java
