# kube-controller-manager for the local control plane (scripts/control-plane.ts): namespace
# finalization, garbage collection, ReplicaSets, service-account tokens. Built from the
# k8s.io/kubernetes Go module through the wrapper module scripts/go/kubernetes (see its go.mod).
source "$(dirname "${BASH_SOURCE[0]}")/../go/kubernetes/build.sh"
TOOL_VERSION="$(kube_tool_version)"

build_tool() {
  build_kube_component kube-controller-manager "$1"
}
