# Node.js language host (`pulumi-language-nodejs`). Upstream's host is a separate,
# untagged Go module that the module proxy does not serve, so scripts/go/pulumi-language-nodejs
# holds a small independent implementation of the LanguageRuntime service built against the
# published github.com/pulumi/pulumi/sdk/v3 release (see the comment at the top of its main.go
# for what it supports). It reports the same version as the CLI.
PULUMI_RELEASE=3.260.0
_langhost_wrapper="$(cd "$(dirname "${BASH_SOURCE[0]}")/../go/pulumi-language-nodejs" && pwd)"
TOOL_VERSION="v${PULUMI_RELEASE}-$(cat "$_langhost_wrapper"/go.mod "$_langhost_wrapper"/go.sum "$_langhost_wrapper"/main.go | sha256sum | cut -c1-8)"

build_tool() {
  local out="$1"
  mkdir -p "$out" src
  cp "$_langhost_wrapper"/go.mod "$_langhost_wrapper"/go.sum "$_langhost_wrapper"/main.go src/
  (
    cd src
    go build -trimpath \
      -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v${PULUMI_RELEASE}" \
      -o "$out/pulumi-language-nodejs" .
  )
}
