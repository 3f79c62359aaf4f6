#!/usr/bin/env bash
# Installs what a fresh Debian machine lacks to build Gantry and run its tests:
# the container runtime parts (runc, conmon), the registry and the busybox the test
# image is built from, the network tools, and what the tests drive: htpasswd and openssl
# (registry auth and TLS), python3 (UDP between containers), prometheus (scrapes a real cluster)
# and chromium (the status page). Idempotent; needs root.
set -euo pipefail
packages=(runc conmon docker-registry busybox-static iptables iproute2 procps containernetworking-plugins maven apache2-utils openssl python3 prometheus chromium)
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
  # prometheus is only a test tool here: its package would start a service listening on all interfaces.
  # policy-rc.d keeps Debian's maintainer scripts from starting any service during this install.
  policy=/usr/sbin/policy-rc.d
  created_policy=
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod +x "$policy" && created_policy=1
  fi
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  [ -n "$created_policy" ] && rm -f "$policy"
  if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
    systemctl disable --now prometheus >/dev/null 2>&1 || true
  fi
fi
if [ ! -x /usr/lib/jvm/temurin-25-jdk-amd64/bin/java ] && ! ls -d /usr/lib/jvm/*25* >/dev/null 2>&1; then
  echo "install-deps: a JDK 25 is needed (e.g. temurin-25-jdk at /usr/lib/jvm/temurin-25-jdk-amd64)" >&2
  exit 1
fi
