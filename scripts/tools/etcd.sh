# etcd 3.6 for the local control plane (scripts/control-plane.ts). Debian's etcd 3.4 is too old
# for Kubernetes 1.31+, so it is built from go.etcd.io/etcd/server/v3 through the wrapper module
# scripts/go/etcd (see its go.mod for why a wrapper is needed).
etcd_wrapper_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/../go/etcd" && pwd)"
# Cache key: the release plus a hash of the wrapper module, so any change to it builds afresh.
TOOL_VERSION="$(awk '$1 == "go.etcd.io/etcd/server/v3" && $2 ~ /^v/ { print $2; exit }' "$etcd_wrapper_dir/go.mod")"
TOOL_VERSION="$TOOL_VERSION-$(cat "$etcd_wrapper_dir/go.mod" "$etcd_wrapper_dir/go.sum" | sha256sum | cut -c1-8)"

build_tool() {
  local out
  mkdir -p "$1"
  out="$(cd "$1" && pwd)"
  (cd "$etcd_wrapper_dir" && CGO_ENABLED=0 go build -mod=readonly -buildvcs=false -trimpath \
    -ldflags "-s -w" -o "$out/etcd" go.etcd.io/etcd/server/v3)
}
