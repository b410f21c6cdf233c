# The test service the local node runs and `syskit verify` probes with (cluster/images/test-service):
# a static Go binary that cluster/images.ts packs into an OCI image archive.
_test_service_src="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../cluster/images/test-service" && pwd)"
# Cache key: a hash of the source, so any change to it builds afresh.
TOOL_VERSION="src-$(cat "$_test_service_src"/go.mod "$_test_service_src"/go.sum "$_test_service_src"/*.go | sha256sum | cut -c1-12)"

build_tool() {
  local out
  mkdir -p "$1"
  out="$(cd "$1" && pwd)"
  (cd "$_test_service_src" && CGO_ENABLED=0 go build -mod=readonly -buildvcs=false -trimpath \
    -ldflags "-s -w" -o "$out/test-service" .)
}
