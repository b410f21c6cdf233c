# Pulumi CLI (`pulumi`), built from the published github.com/pulumi/pulumi/pkg/v3 module
# through the wrapper module scripts/go/pulumi (go.mod + go.sum only: upstream's go.mod
# replaces the sdk with a relative path, so `go install ...@version` cannot work).
# Keep PULUMI_RELEASE equal to the npm @pulumi/pulumi version in package.json and to the
# pkg/v3 and sdk/v3 versions in scripts/go/pulumi*/go.mod.
PULUMI_RELEASE=3.260.0
_pulumi_wrapper="$(cd "$(dirname "${BASH_SOURCE[0]}")/../go/pulumi" && pwd)"
# The cache key changes whenever the wrapper module changes.
TOOL_VERSION="v${PULUMI_RELEASE}-$(cat "$_pulumi_wrapper"/go.mod "$_pulumi_wrapper"/go.sum | sha256sum | cut -c1-8)"

build_tool() {
  local out="$1"
  mkdir -p "$out" src
  cp "$_pulumi_wrapper"/go.mod "$_pulumi_wrapper"/go.sum src/
  (
    cd src
    go build -trimpath \
      -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v${PULUMI_RELEASE}" \
      -o "$out/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
  )
}
