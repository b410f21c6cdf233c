# kube-apiserver for the local control plane (scripts/control-plane.ts), built from the
# k8s.io/kubernetes Go module through the wrapper module scripts/go/kubernetes (see its go.mod).
source "$(dirname "${BASH_SOURCE[0]}")/../go/kubernetes/build.sh"
TOOL_VERSION="$(kube_tool_version)"

build_tool() {
  build_kube_component kube-apiserver "$1"
}
