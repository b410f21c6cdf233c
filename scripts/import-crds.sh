#!/usr/bin/env bash
# Generates the typed CRD bindings in constructs/imports/ with `cdk8s import` from the CRD files
# cdk8s.yaml lists, and keeps only the API groups syskit writes (a CRD file may hold several).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

KEEP=(
  barmancloud.cnpg.io
  cert-manager.io
  config.gatekeeper.sh
  configuration.konghq.com
  gateway.networking.k8s.io
  kafka.strimzi.io
  monitoring.coreos.com
  networking.istio.io
  policy.linkerd.io
  postgresql.cnpg.io
  security.istio.io
  templates.gatekeeper.sh
)

# The Barman Cloud plugin's CRD comes from its Go module (tools/upstream-crds.ts); cdk8s.yaml names a copy.
node bin/run-ts.js scripts/stage-crds.ts >&2

rm -rf constructs/imports
npx cdk8s import --no-check-upgrade --language typescript >&2
for file in constructs/imports/*.ts; do
  group="$(basename "$file" .ts)"
  keep=false
  for g in "${KEEP[@]}"; do [[ "$group" == "$g" ]] && keep=true; done
  $keep || rm "$file"
done
ls constructs/imports
