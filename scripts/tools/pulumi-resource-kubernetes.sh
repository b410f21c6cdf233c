# Pulumi Kubernetes resource provider (`pulumi-resource-kubernetes`), built from the published
# github.com/pulumi/pulumi-kubernetes/provider/v4 module (by the pseudo-version of the release
# commit; the module has no provider/v4.* tags) through the wrapper module
# scripts/go/pulumi-resource-kubernetes. Upstream's main embeds schema-embed.json and
# terraform-mapping-embed.json, which its `go generate` step writes and which are not in the
# published module: the build copies schema.json, terraform-mapping.json and upstream's
# generate.go out of the module cache into a scratch copy of the wrapper, runs the generator
# there, and builds. Nothing generated is kept in the repository.
# Keep K8S_PROVIDER_RELEASE equal to the npm @pulumi/kubernetes version in package.json: the
# SDK asks the engine for this plugin version, and the provider reports it (set with -X as
# upstream's Makefile does).
K8S_PROVIDER_RELEASE=4.25.0
_k8s_wrapper="$(cd "$(dirname "${BASH_SOURCE[0]}")/../go/pulumi-resource-kubernetes" && pwd)"
TOOL_VERSION="v${K8S_PROVIDER_RELEASE}-$(cat "$_k8s_wrapper"/go.mod "$_k8s_wrapper"/go.sum "$_k8s_wrapper"/main.go | sha256sum | cut -c1-8)"

build_tool() {
  local out="$1"
  local mod=github.com/pulumi/pulumi-kubernetes/provider/v4
  mkdir -p "$out" src
  cp "$_k8s_wrapper"/go.mod "$_k8s_wrapper"/go.sum "$_k8s_wrapper"/main.go src/
  (
    cd src
    local modver moddir
    modver="$(go list -m -f '{{.Version}}' "$mod")"
    go mod download "$mod@$modver"
    moddir="$(go list -m -f '{{.Dir}}' "$mod")"
    [[ -n "$moddir" && -f "$moddir/cmd/pulumi-resource-kubernetes/schema.json" ]] || {
      echo "pulumi-resource-kubernetes: $mod@$modver has no cmd/pulumi-resource-kubernetes/schema.json" >&2
      return 1
    }
    cp "$moddir"/cmd/pulumi-resource-kubernetes/{schema.json,terraform-mapping.json,generate.go} .
    chmod u+w schema.json terraform-mapping.json generate.go
    # Upstream's generator: schema.json + VERSION -> schema-embed.json, and the compacted
    # terraform-mapping-embed.json.
    VERSION="$K8S_PROVIDER_RELEASE" go run generate.go
    rm generate.go schema.json terraform-mapping.json
    go build -trimpath \
      -ldflags "-s -w -X $mod/pkg/version.Version=${K8S_PROVIDER_RELEASE}" \
      -o "$out/pulumi-resource-kubernetes" .
  )
}
