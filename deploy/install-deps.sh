#!/usr/bin/env bash
# Installs what a fresh Debian machine lacks to build Gantry and run its tests:
# the container runtime parts (runc, conmon), the registry and the busybox the test
# image is built from, and the network tools. Idempotent; needs root.
set -euo pipefail
packages=(runc conmon docker-registry busybox-static iptables iproute2 containernetworking-plugins maven)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "install-deps: missing ${missing[*]}; run as root" >&2
    exit 1
  fi
  echo "install-deps: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if [ ! -x /usr/lib/jvm/temurin-25-jdk-amd64/bin/java ] && ! ls -d /usr/lib/jvm/*25* >/dev/null 2>&1; then
  echo "install-deps: a JDK 25 is needed (e.g. temurin-25-jdk at /usr/lib/jvm/temurin-25-jdk-amd64)" >&2
  exit 1
fi
