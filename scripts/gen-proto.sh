#!/usr/bin/env bash
# Regenerates the TypeScript for proto/shadowtwin/v1/*.proto (ts-proto,
# grpc-js services) into src/control/grpc/generated, or into the directory
# given as $1 (the drift test generates into a temp dir and compares).
# The options are pinned here: change them only with a regeneration.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-$root/src/control/grpc/generated}"
if ! command -v protoc >/dev/null 2>&1; then
  echo "gen-proto: protoc is not installed; run: bash scripts/install-test-deps.sh (or apt-get install -y protobuf-compiler)" >&2
  exit 3
fi
plugin="$root/node_modules/.bin/protoc-gen-ts_proto"
if [ ! -x "$plugin" ]; then
  echo "gen-proto: $plugin is missing; the ts-proto devDependency is not installed" >&2
  exit 3
fi
opts=(
  outputServices=grpc-js
  esModuleInterop=true
  env=node
  forceLong=number
  useOptionals=messages
  oneof=unions-value
  importSuffix=.js
  outputJsonMethods=false
  outputPartialMethods=true
  useDate=false
  fileSuffix=.pb
  annotateFilesWithVersion=false
)
rm -rf "$out/shadowtwin"
mkdir -p "$out"
cd "$root/proto"
protoc --plugin="protoc-gen-ts_proto=$plugin" \
  --ts_proto_out="$out" \
  --ts_proto_opt="$(IFS=,; echo "${opts[*]}")" \
  shadowtwin/v1/*.proto
