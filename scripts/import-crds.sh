#!/usr/bin/env bash
# Generates the typed CRD bindings in constructs/imports/ with `cdk8s import` from the CRD files
# cdk8s.yaml lists, and keeps only the API groups syskit writes (a CRD file may hold several).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

KEEP=(kafka.strimzi.io monitoring.coreos.com security.istio.io)

rm -rf constructs/imports
npx cdk8s import --no-check-upgrade --language typescript >&2
for file in constructs/imports/*.ts; do
  group="$(basename "$file" .ts)"
  keep=false
  for g in "${KEEP[@]}"; do [[ "$group" == "$g" ]] && keep=true; done
  $keep || rm "$file"
done
ls constructs/imports
