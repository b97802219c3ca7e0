#!/usr/bin/env bash
# Fetches the test fixture's jars (kafka-clients, connect-api, a no-op SLF4J binding) from Maven Central into
# .cache/fixture-lib and the JUnit console launcher (tests/java_unit.rs) into .cache/junit-lib, compiles the example connectors (build/examples, build/e2e-plugins; the
# OpenTelemetry API one also into build/e2e-plugin-path) and the fixture
# (build/fixture), and fetches each tested version of the OpenTelemetry API (.cache/otel-api-<version>) to compile
# tests/fixture/otel's connector-like class against (build/otel-fixture/<version>, its driver in
# build/otel-fixture/main; tests/otel_api_jvm.rs). A second run is offline.
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
# The OpenTelemetry API versions tests/otel_api_jvm.rs runs connectors' code against: the newest, an older 1.5x
# and the one the Debezium images ship.
OTEL_API_VERSIONS="1.68.0 1.58.0 1.23.1"
for v in $OTEL_API_VERSIONS; do
  otel=.cache/otel-api-$v
  [ -f "$otel/.complete" ] && continue
  command -v mvn >/dev/null || { echo "fetch-test-deps: Maven (mvn) is required" >&2; exit 1; }
  rm -rf "$otel"; mkdir -p "$otel"
  mvn -B -f tests/fixture/otel/pom.xml -Dotel.version="$v" dependency:copy-dependencies -DoutputDirectory="$(pwd)/$otel" \
    -DincludeScope=runtime > .cache/otel-api-mvn.log 2>&1 \
    || { tail -40 .cache/otel-api-mvn.log >&2; echo "fetch-test-deps: Maven failed fetching opentelemetry-api $v" >&2; exit 1; }
  touch "$otel/.complete"
done
# An application's own OpenTelemetry SDK autoconfigure on the worker's class path (the agent leaves it the global).
sdk=.cache/otel-sdk-autoconfigure-1.68.0
if [ ! -f "$sdk/.complete" ]; then
  rm -rf "$sdk"; mkdir -p "$sdk"
  mvn -B -f tests/fixture/otel/pom.xml -Dotel.version=1.68.0 -Dotel.artifact=opentelemetry-sdk-extension-autoconfigure \
    dependency:copy-dependencies -DoutputDirectory="$(pwd)/$sdk" -DincludeScope=runtime > .cache/otel-api-mvn.log 2>&1 \
    || { tail -40 .cache/otel-api-mvn.log >&2; echo "fetch-test-deps: Maven failed fetching the OpenTelemetry SDK" >&2; exit 1; }
  touch "$sdk/.complete"
fi
# The Java shim's unit tests run on the JUnit Platform's standalone console launcher (Jupiter API included).
JUNIT_VERSION=6.1.3
junit=.cache/junit-lib/junit-platform-console-standalone.jar
if [ ! -f "$junit" ] || [ "$(cat .cache/junit-lib/version 2>/dev/null)" != "$JUNIT_VERSION" ]; then
  command -v mvn >/dev/null || { echo "fetch-test-deps: Maven (mvn) is required" >&2; exit 1; }
  rm -rf .cache/junit-lib; mkdir -p .cache/junit-lib
  mvn -B dependency:copy -Dartifact=org.junit.platform:junit-platform-console-standalone:$JUNIT_VERSION \
    -DoutputDirectory=.cache/junit-lib > .cache/junit-mvn.log 2>&1 \
    || { tail -40 .cache/junit-mvn.log >&2; echo "fetch-test-deps: Maven failed fetching JUnit" >&2; exit 1; }
  mv ".cache/junit-lib/junit-platform-console-standalone-$JUNIT_VERSION.jar" "$junit"
  echo "$JUNIT_VERSION" > .cache/junit-lib/version
fi
[ -f build/connect-otel-api.jar ] || { echo "fetch-test-deps: build/connect-otel-api.jar is missing: run scripts/build.sh" >&2; exit 1; }
# The example connectors (traced with the API), also used by the end-to-end tests as a plugin jar.
rm -rf build/examples && mkdir -p build/examples build/e2e-plugins
javac --release 11 -Xlint:all,-try -Werror -cp "$lib/*:build/connect-otel-api.jar" -d build/examples \
  $(find examples/connectors -name '*.java')
jar --create --file build/e2e-plugins/connect-otel-examples.jar -C build/examples .
# The guide's sink connector traced with the OpenTelemetry API only (examples/otel-api-connector), compiled against
# opentelemetry-api alone and deployed by tests/e2e_kafka.rs both ways a plugin can have the API: in its own plugin
# directory with its own copy of the API jars (build/e2e-plugin-path, the workers' plugin.path: Connect's isolated
# PluginClassLoader), and on the workers' class path, where build/e2e-plugins also gets the API jars. The class-path
# copy is the same source moved to a package of its own (…otelapi.classpath), so the two are two plugins.
otel_api=.cache/otel-api-1.68.0
rm -rf build/otelapi-connector build/e2e-plugin-path build/e2e-plugins/opentelemetry-*.jar build/e2e-plugins/custom-sink-otel*.jar
mkdir -p build/otelapi-connector/plugin build/otelapi-connector/classpath-src build/otelapi-connector/classpath \
  build/e2e-plugin-path/custom-sink-otel
javac --release 11 -Xlint:all,-try -Werror -cp "$otel_api/*:$lib/*" -d build/otelapi-connector/plugin \
  $(find examples/otel-api-connector -name '*.java')
jar --create --file build/e2e-plugin-path/custom-sink-otel/custom-sink-otel.jar -C build/otelapi-connector/plugin .
cp "$otel_api"/opentelemetry-*.jar build/e2e-plugin-path/custom-sink-otel/
for f in $(find examples/otel-api-connector -name '*.java'); do
  sed 's/^package io\.connectotel\.examples\.otelapi;/package io.connectotel.examples.otelapi.classpath;/' "$f" \
    > "build/otelapi-connector/classpath-src/$(basename "$f")"
done
javac --release 11 -Xlint:all,-try -Werror -cp "$otel_api/*:$lib/*" -d build/otelapi-connector/classpath \
  build/otelapi-connector/classpath-src/*.java
jar --create --file build/e2e-plugins/custom-sink-otel-classpath.jar -C build/otelapi-connector/classpath .
cp "$otel_api"/opentelemetry-*.jar build/e2e-plugins/
mkdir -p build/fixture
javac --release 11 -cp "$lib/*:build/connect-otel-api.jar:build/examples" -d build/fixture tests/fixture/ConnectFixture.java
# Code written against the OpenTelemetry API, compiled against each version, and the JVM that drives it.
rm -rf build/otel-fixture && mkdir -p build/otel-fixture/main
for v in $OTEL_API_VERSIONS; do
  javac --release 11 -Xlint:all,-try,-deprecation -Werror -cp ".cache/otel-api-$v/*:$lib/*:build/connect-otel-api.jar" \
    -d "build/otel-fixture/$v" tests/fixture/otel/otelfixture/OtelTracedTask.java
done
javac --release 11 -Xlint:all -Werror -d build/otel-fixture/main tests/fixture/otel/OtelApiFixture.java
# An application that builds its own SDK and sets it as the global first (no autoconfigure).
javac --release 11 -Xlint:all -Werror -cp "$sdk/*" -d build/otel-fixture/own-sdk tests/fixture/otel/ownsdk/OwnSdk.java
# A stand-in for the OpenTelemetry Java agent's mark on the boot class path (-Xbootclasspath/a:).
javac --release 11 -Xlint:all -Werror -d build/otel-fixture/javaagent-mark tests/fixture/otel/AgentInitializer.java
jar --create --file build/otel-fixture/javaagent-mark.jar -C build/otel-fixture/javaagent-mark .
# ... and for one that comes after ours on the command line, whose premain puts that mark there.
javac --release 11 -Xlint:all -Werror -d build/otel-fixture/late-agent tests/fixture/otel/LateOtelJavaAgent.java
printf 'Premain-Class: LateOtelJavaAgent\n' > build/otel-fixture/late-agent.mf
jar --create --file build/otel-fixture/late-agent.jar --manifest build/otel-fixture/late-agent.mf -C build/otel-fixture/late-agent .
