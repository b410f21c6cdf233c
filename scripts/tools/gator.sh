# Gatekeeper's `gator` CLI, for `gator verify` / `gator test` of the ConstraintTemplates in policies/.
# The v3.23.0 go.mod has no replace directive, so a plain `go install` of the module works.
TOOL_VERSION=v3.23.0

build_tool() {
  # The version stamp upstream's Makefile sets (otherwise `gator --version` says "devel").
  GOBIN="$1" go install -trimpath \
    -ldflags "-X github.com/open-policy-agent/gatekeeper/v3/pkg/version.Version=${TOOL_VERSION}" \
    "github.com/open-policy-agent/gatekeeper/v3/cmd/gator@${TOOL_VERSION}"
}
