# Open Policy Agent, for `opa test` and for evaluating policies in `syskit validate`.
TOOL_VERSION=v1.22.2

build_tool() {
  GOBIN="$1" go install "github.com/open-policy-agent/opa@${TOOL_VERSION}"
}
