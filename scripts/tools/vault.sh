# Vault, run as a dev-mode server by the local cluster (cluster/vault.ts) for the end-to-end tests
# of Vault policies, Kubernetes-auth roles and database roles. Built from the published
# github.com/hashicorp/vault module through the wrapper module scripts/go/vault (see its go.mod
# for why a wrapper is needed and why this release). Only the server binary, no UI assets: the
# tests talk to the HTTP API only.
_vault_wrapper="$(cd "$(dirname "${BASH_SOURCE[0]}")/../go/vault" && pwd)"
TOOL_VERSION="$(awk '$1 == "github.com/hashicorp/vault" && $2 ~ /^v/ { print $2; exit }' "$_vault_wrapper/go.mod")"
TOOL_VERSION="$TOOL_VERSION-$(cat "$_vault_wrapper/go.mod" "$_vault_wrapper/go.sum" | sha256sum | cut -c1-8)"

build_tool() {
  local out
  mkdir -p "$1"
  out="$(cd "$1" && pwd)"
  # The release is embedded from the module's VERSION file; no stamp is needed.
  (cd "$_vault_wrapper" && CGO_ENABLED=0 go build -mod=readonly -trimpath -ldflags "-s -w" \
    -o "$out/vault" github.com/hashicorp/vault)
}
