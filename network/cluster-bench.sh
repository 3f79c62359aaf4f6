#!/usr/bin/env bash
# Cluster benchmark on a 2-node local cluster (root; iperf3 for the benchmark only; build first:
# mvn -B -o install -DskipTests). Prints
#  - TCP throughput node-to-node over the cluster link (veth pair through the gantry-lc0 bridge), and
#    container-to-container across the two nodes over a VXLAN overlay network on that same link (iperf3, 1 stream);
#  - the agent's time to set up a container's network at start and to attach it to a network (connect),
#    as logged by the agents ("network set up in N ms", "networks changed in N ms").
# Everything stays inside the local cluster's namespaces; `local-cluster down` removes it all at the end.
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)"
secs="${1:-5}"
java="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java"
g() { "$java" --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
        -jar "$root/ctl/target/gantry.jar" "$@"; }
state=/run/gantry/net-bench-lc
data=/var/lib/gantry/net-bench-lc
trap 'g local-cluster down --state-dir "$state" >/dev/null 2>&1 || true' EXIT
g local-cluster up --nodes 2 --schedulers 1 --zk 1 --state-dir "$state" --data-dir "$data" >/dev/null
export GANTRY_ADDR=10.77.0.21:7070
g network create bench >/dev/null
g network create bench2 >/dev/null
g run -d --name c1 --network bench --constraint node.name==node-1 busybox sleep 3600 >/dev/null
g run -d --name c2 --network bench --constraint node.name==node-2 busybox sleep 3600 >/dev/null
for i in $(seq 1 100); do
  [ "$(g ps | grep -c ' running ' || true)" -ge 2 ] && break; sleep 0.3
done
field() { g inspect "$1" | grep -o "\"$2\" *: *\"[^\"]*\"" | head -1 | sed 's/.*: *"\(.*\)"/\1/'; }
id1=$(field c1 id); id2=$(field c2 id); ip2=$(field c2 ip)
ns1=$(ls -d /run/netns/gnt-node1*-"$id1"); ns2=$(ls -d /run/netns/gnt-node2*-"$id2")
rate() { grep receiver | awk '{for(i=1;i<=NF;i++) if ($i ~ /bits\/sec/) print $(i-1), $i}'; }

nsenter --net=/run/netns/gantry-lc-node2 iperf3 -s -1 >/dev/null 2>&1 & sleep 0.5
n2n=$(nsenter --net=/run/netns/gantry-lc-node1 iperf3 -c 10.77.0.102 -t "$secs" -f g | rate); wait
nsenter --net="$ns2" iperf3 -s -1 >/dev/null 2>&1 & sleep 0.5
c2c=$(nsenter --net="$ns1" iperf3 -c "$ip2" -t "$secs" -f g | rate); wait
echo "node-to-node (underlay):          $n2n"
echo "container-to-container (VXLAN):   $c2c"

for i in 1 2 3 4 5; do g network connect bench2 c1 >/dev/null; g network disconnect bench2 c1 >/dev/null; done
echo "network set up at container start (ms): $(grep -ho 'network set up in [0-9]* ms' "$state"/logs/node-*.log | awk '{print $5}' | tr '\n' ' ')"
echo "connect/disconnect while running (ms):  $(grep -ho 'networks changed in [0-9]* ms' "$state"/logs/node-1.log | awk '{print $4}' | tr '\n' ' ')"
