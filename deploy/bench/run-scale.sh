#!/usr/bin/env bash
# Scale benchmark (issue 3, section 5): a real ZooKeeper and a real scheduler, each its own process,
# 1,000 and then 5,000 hollow nodes (simulated containers, real agent code and protocol) in a third
# process, 50,000 containers submitted through the Control API. Prints a markdown table: durable
# placements/s and submit-to-running latency p50/p99. Everything listens on 127.0.0.1 only, and
# every process and temp dir is removed at the end, also on Ctrl-C.
#
# Usage: deploy/bench/run-scale.sh [flags for `gantry bench scale`, e.g. --nodes 100 --containers 5000
#        --submit run --start-latency 50ms --profile /tmp/gantry-prof --keep]
# --nodes and --containers default to 1000,5000 and 50000. GANTRY_NO_BUILD=1 skips the build check.
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)"
jar="$root/ctl/target/gantry.jar"

if [ "${GANTRY_NO_BUILD:-}" != 1 ]; then
  "$root/gantry" --version >/dev/null   # builds the jars when missing or older than the sources
fi
[ -f "$jar" ] || { echo "run-scale.sh: $jar is missing; build first (./gantry --version)" >&2; exit 1; }

java_home=""
for home in "${GANTRY_JAVA_HOME:-}" "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64; do
  if [ -n "$home" ] && [ -x "$home/bin/java" ] && "$home/bin/java" -version 2>&1 | grep -q '"25'; then java_home="$home"; break; fi
done
[ -n "$java_home" ] || { echo "run-scale.sh: a JDK 25 is needed (set GANTRY_JAVA_HOME)" >&2; exit 1; }

defaults=()
[[ " $* " == *" --nodes"* ]] || defaults+=(--nodes 1000,5000)
[[ " $* " == *" --containers"* ]] || defaults+=(--containers 50000)

out="${GANTRY_BENCH_OUTPUT:-$(mktemp /tmp/gantry-scale-results.XXXXXX.md)}"
echo "run-scale.sh: results also go to $out" >&2
# Run from a private copy of the jars: a rebuild of ctl/target during a long run must not pull
# classes out from under the benchmark and the processes it starts.
snapshot="$(mktemp -d /tmp/gantry-scale-jars.XXXXXX)"
trap 'rm -rf "$snapshot"' EXIT
cp "$jar" "$snapshot/gantry.jar"
cp -r "$root/ctl/target/lib" "$snapshot/lib"
# Ctrl-C reaches the benchmark JVM (same process group), whose shutdown hook stops ZooKeeper, the
# scheduler and the hollow nodes and deletes their temp dirs.
"$java_home/bin/java" --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow \
  -cp "$snapshot/gantry.jar" io.gantry.ctl.bench.ScaleBenchCommand \
  "${defaults[@]}" --output "$out" "$@"
