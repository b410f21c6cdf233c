# CoreDNS, the cluster DNS of the local node (cluster/dns.ts), built from github.com/coredns/coredns
# through the wrapper module scripts/go/coredns, which links only the plugins a cluster uses
# (see its main.go for why).
_coredns_wrapper="$(cd "$(dirname "${BASH_SOURCE[0]}")/../go/coredns" && pwd)"
# Cache key: the release plus a hash of the wrapper module, so any change to it builds afresh.
TOOL_VERSION="$(awk '$1 == "require" && $2 == "github.com/coredns/coredns" { print $3; exit }' "$_coredns_wrapper/go.mod")"
TOOL_VERSION="$TOOL_VERSION-$(cat "$_coredns_wrapper"/go.mod "$_coredns_wrapper"/go.sum "$_coredns_wrapper"/main.go | sha256sum | cut -c1-8)"

build_tool() {
  local out
  mkdir -p "$1"
  out="$(cd "$1" && pwd)"
  (cd "$_coredns_wrapper" && CGO_ENABLED=0 go build -mod=readonly -buildvcs=false -trimpath \
    -ldflags "-s -w" -o "$out/coredns" .)
}
