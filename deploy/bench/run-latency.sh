#!/usr/bin/env bash
# Benchmark: wall time of `gantry run --rm busybox true` (CLI -> scheduler -> agent ->
# conmon/runc -> exit code back) next to `podman run --rm` of the same image, measured
# in the same run with hyperfine. Starts its own `gantry dev` on spare ports and removes
# everything afterwards. Needs root. Usage: deploy/bench/run-latency.sh [RUNS]
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)"
runs="${1:-10}"
port=7171 registry_port=5171
data="$(mktemp -d /tmp/gantry-bench.XXXXXX)"
out="$data/results"
mkdir -p "$out"

need=()
command -v hyperfine >/dev/null || need+=(hyperfine)
command -v podman >/dev/null || need+=(podman)
if [ ${#need[@]} -gt 0 ]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

# podman on this host: runc (crun fails on hybrid cgroups), and rlimits no higher than
# the host's hard limits (podman's defaults ask for more, which runc cannot set).
export CONTAINERS_CONF="$data/containers.conf"
printf '[containers]\ndefault_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]\n[engine]\nruntime = "runc"\n' >"$CONTAINERS_CONF"

dev_pid=""
cleanup() {
  [ -n "$dev_pid" ] && kill -TERM "$dev_pid" 2>/dev/null && wait "$dev_pid" 2>/dev/null || true
  podman rmi -f "127.0.0.1:$registry_port/busybox:latest" >/dev/null 2>&1 || true
  rm -rf "$data"
}
trap cleanup EXIT

"$root/gantry" --version >/dev/null   # builds the jars if needed, outside the timing
"$root/gantry" dev --data-dir "$data/dev" --port "$port" --registry-port "$registry_port" \
  --cgroup-parent gantry-bench >"$data/dev.log" 2>&1 &
dev_pid=$!
for _ in $(seq 1 120); do grep -q ready "$data/dev.log" && break; sleep 0.5; done
grep -q ready "$data/dev.log" || { echo "gantry dev did not start:"; cat "$data/dev.log"; exit 1; }
export GANTRY_ADDR="127.0.0.1:$port"

# The same image for both: the busybox-static build `gantry dev` pushed to its registry.
podman pull -q --tls-verify=false "127.0.0.1:$registry_port/busybox:latest" >/dev/null

hyperfine --runs "$runs" --warmup 2 --export-json "$out/run.json" \
  -n "gantry run --rm" "$root/gantry run --rm busybox true" \
  -n "podman run --rm" "podman run --rm 127.0.0.1:$registry_port/busybox:latest true" \
  -n "gantry ps" "$root/gantry ps"

python3 - "$out/run.json" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
g, p, ps = (r[k]["median"] for k in ("gantry run --rm", "podman run --rm", "gantry ps"))
print(f"median gantry run --rm: {g*1000:.0f} ms; podman run --rm: {p*1000:.0f} ms; ratio gantry/podman: {g/p:.2f}")
print(f"median gantry ps (CLI start-up + one RPC, the floor of any gantry command): {ps*1000:.0f} ms")
PY
