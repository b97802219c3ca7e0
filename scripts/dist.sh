#!/usr/bin/env bash
# The release artifacts, in dist/: the agent jar and the tracing API jar with the version in their names, a
# Maven POM for the API jar (so a connector build can `mvn install:install-file` it and declare it
# `provided`), and SHA256SUMS over all of them. Builds first (scripts/build.sh; arguments are passed on).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh "$@"
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
rm -rf dist && mkdir -p dist
cp build/connect-otel-agent.jar "dist/connect-otel-agent-$version.jar"
cp build/connect-otel-api.jar "dist/connect-otel-api-$version.jar"
# connect-api only for ConnectHeaders, which takes Connect's Headers: the worker provides it at run time.
connect_api=$(sed -n 's/^CONNECT_API_VERSION=//p' scripts/build.sh)
cat > "dist/connect-otel-api-$version.pom" <<POM
<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
         xsi:schemaLocation="http://maven.apache.org/POM/4.0.0 https://maven.apache.org/xsd/maven-4.0.0.xsd">
  <modelVersion>4.0.0</modelVersion>
  <groupId>io.connectotel</groupId>
  <artifactId>connect-otel-api</artifactId>
  <version>$version</version>
  <packaging>jar</packaging>
  <name>connect-otel tracing API</name>
  <description>Tracing API for Kafka Connect connectors; spans are exported by the connect-otel agent attached to the worker, a no-op without it.</description>
  <licenses>
    <license>
      <name>Apache-2.0</name>
      <url>https://www.apache.org/licenses/LICENSE-2.0</url>
    </license>
  </licenses>
  <properties>
    <maven.compiler.release>11</maven.compiler.release>
  </properties>
  <dependencies>
    <dependency>
      <groupId>org.apache.kafka</groupId>
      <artifactId>connect-api</artifactId>
      <version>$connect_api</version>
      <scope>provided</scope>
    </dependency>
  </dependencies>
</project>
POM
(cd dist && sha256sum -- *.jar *.pom > SHA256SUMS)
ls -l dist
