# One binary serving kube-apiserver, kube-controller-manager, kube-scheduler, kubelet and
# kube-proxy (scripts/go/kubernetes/main.go), built from the k8s.io/kubernetes Go module through
# the wrapper module scripts/go/kubernetes (see its go.mod). The kube-*.sh tools link to it.
source "$(dirname "${BASH_SOURCE[0]}")/../go/kubernetes/build.sh"
TOOL_VERSION="$(kube_tool_version)"

build_tool() {
  build_kube_binary "$1"
}
