#!/usr/bin/env bash
# Installs what the tests and benchmarks need from Debian's packages:
#   promtool (package prometheus) — tests check /metrics with it;
#   chromium — the HTML report is opened in a real browser (with playwright-core);
#   nginx — the fidelity-loop test generates against it and profiles its log
#           (and benchmarks use it as the reference upstream);
#   wrk, goaccess — benchmarks (load, log parsing);
#   protoc (package protobuf-compiler) — a test regenerates the gRPC code from
#           proto/ and fails if the committed code drifted;
#   curl, openssl — the docs-examples test runs the docs' curl lines and makes
#           a certificate for its HTTPS/HTTP/2 server (prometheus serves it too).
# Skips anything already present; needs root (or sudo) only when installing.
set -euo pipefail

need=()
command -v promtool >/dev/null 2>&1 || need+=(prometheus)
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need+=(nginx)
command -v curl >/dev/null 2>&1 || need+=(curl)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
command -v protoc >/dev/null 2>&1 || need+=(protobuf-compiler)
if [ "${1:-}" = "--bench" ] || [ "${SHADOWTWIN_BENCH_DEPS:-}" = "1" ]; then
  command -v wrk >/dev/null 2>&1 || need+=(wrk)
  command -v goaccess >/dev/null 2>&1 || need+=(goaccess)
fi
[ ${#need[@]} -eq 0 ] && exit 0

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "install-test-deps: need root to apt-get install ${need[*]}; install them yourself and rerun" >&2
    exit 1
  fi
fi
echo "install-test-deps: installing ${need[*]} (Debian packages)" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
