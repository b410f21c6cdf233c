# kube-controller-manager: namespace finalization, garbage collection, ReplicaSets, Jobs, service-account tokens. A link to the one
# multi-call Kubernetes binary (scripts/tools/kubernetes.sh), which runs as kube-controller-manager by that name.
source "$(dirname "${BASH_SOURCE[0]}")/../go/kubernetes/build.sh"
TOOL_VERSION="$(kube_tool_version)"

build_tool() {
  link_kube_component kube-controller-manager "$1"
}
