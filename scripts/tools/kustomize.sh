# kustomize, for checking that every folder of the GitOps output builds to exactly the synthesized objects.
TOOL_VERSION=v5.8.2

build_tool() {
  GOBIN="$1" go install "sigs.k8s.io/kustomize/kustomize/v5@${TOOL_VERSION}"
}
