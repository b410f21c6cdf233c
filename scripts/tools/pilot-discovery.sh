# istiod (`pilot-discovery`), run as a local process whose sidecar-injection webhook the local API
# server calls by URL (cluster/), so pods meet Istio's own injection templates as they do in a
# cluster. istio.io/istio publishes no semantic-version tags on the module proxy, only
# pseudo-versions of its release branches; this one is of the release-1.31 era. Its go.mod has
# no replace directive, so a plain `go install` works. The injection templates and chart values
# the webhook renders are read from the same module version (`go list -m -f '{{.Dir}}'`).
TOOL_VERSION=v0.0.0-20260827124520-eed52ebb66ad

build_tool() {
  GOBIN="$1" CGO_ENABLED=0 go install -trimpath -ldflags "-s -w" \
    "istio.io/istio/pilot/cmd/pilot-discovery@${TOOL_VERSION}"
}
