# Gatekeeper's controller manager (the admission webhook and audit), run as a local process that
# the local API server calls by URL (cluster/). Same module and release as gator
# (scripts/tools/gator.sh), so the two share most of their compiled packages; the v3.23.0
# go.mod has no replace directive, so a plain `go install` of the module's main package works.
TOOL_VERSION=v3.23.0

build_tool() {
  GOBIN="$1" CGO_ENABLED=0 go install -trimpath \
    -ldflags "-s -w -X github.com/open-policy-agent/gatekeeper/v3/pkg/version.Version=${TOOL_VERSION}" \
    "github.com/open-policy-agent/gatekeeper/v3@${TOOL_VERSION}"
}
