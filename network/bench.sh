#!/usr/bin/env bash
# Runs io.gantry.net.host.NetworkBenchmark (root; needs iperf3: apt-get install -y iperf3).
# Usage: network/bench.sh [SECONDS_PER_IPERF_RUN] [ATTACH_COUNT]
set -euo pipefail
cd "$(dirname "$0")/.."
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
mvn -B -o -q -pl network test-compile dependency:build-classpath -Dmdep.outputFile=target/bench.cp >/dev/null
exec "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED \
  -cp "network/target/test-classes:network/target/classes:$(cat network/target/bench.cp)" \
  io.gantry.net.host.NetworkBenchmark "$@"
