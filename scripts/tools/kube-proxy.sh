# kube-proxy: Service virtual IPs on the local node. A link to the one
# multi-call Kubernetes binary (scripts/tools/kubernetes.sh), which runs as kube-proxy by that name.
source "$(dirname "${BASH_SOURCE[0]}")/../go/kubernetes/build.sh"
TOOL_VERSION="$(kube_tool_version)"

build_tool() {
  link_kube_component kube-proxy "$1"
}
