# The pod sandbox's pause program for the local node (cluster/images/pause): a static Go binary
# that cluster/images.ts packs into the sandbox image containerd starts for every pod.
_pause_src="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../cluster/images/pause" && pwd)"
# Cache key: a hash of the source, so any change to it builds afresh.
TOOL_VERSION="src-$(cat "$_pause_src"/go.mod "$_pause_src"/*.go | sha256sum | cut -c1-12)"

build_tool() {
  local out
  mkdir -p "$1"
  out="$(cd "$1" && pwd)"
  (cd "$_pause_src" && CGO_ENABLED=0 go build -mod=readonly -buildvcs=false -trimpath \
    -ldflags "-s -w" -o "$out/pause" .)
}
