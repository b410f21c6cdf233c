# kubelet: the local node: runs pods through containerd. A link to the one
# multi-call Kubernetes binary (scripts/tools/kubernetes.sh), which runs as kubelet by that name.
source "$(dirname "${BASH_SOURCE[0]}")/../go/kubernetes/build.sh"
TOOL_VERSION="$(kube_tool_version)"

build_tool() {
  link_kube_component kubelet "$1"
}
