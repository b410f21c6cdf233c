# kube-network-policies, SIG Network's NetworkPolicy enforcer (nftables + nfqueue), for the local
# node (cluster/network-policy.ts), built from its published module (the v0.8.0 go.mod has no
# replace directive).
#
# Upstream queues packets with the nftables `queue` expression, which needs the kernel option
# NFT_QUEUE; kernels without it (this CI machine's among them) still have the xtables NFQUEUE
# target and nft_compat. The build copies the module out of the module cache into a scratch
# folder, adds scripts/go/kube-network-policies/nfqueue_compat.go to its networkpolicy package
# and has the three places that build an expr.Queue build that target instead; nothing else
# changes, and nothing of upstream is kept in the repository.
KNP_RELEASE=v0.8.0
_knp_patch="$(cd "$(dirname "${BASH_SOURCE[0]}")/../go/kube-network-policies" && pwd)"
TOOL_VERSION="${KNP_RELEASE}-$(cat "$_knp_patch"/nfqueue_compat.go "${BASH_SOURCE[0]}" | sha256sum | cut -c1-8)"

build_tool() {
  local out
  mkdir -p "$1"
  out="$(cd "$1" && pwd)"
  local dir
  dir="$(go mod download -json "sigs.k8s.io/kube-network-policies@${KNP_RELEASE}" | sed -n 's/^\s*"Dir": "\(.*\)",$/\1/p')"
  [[ -n "$dir" && -f "$dir/go.mod" ]] || { echo "kube-network-policies: module ${KNP_RELEASE} not downloaded" >&2; return 1; }
  cp -r "$dir" src
  chmod -R u+w src
  local pkg=src/pkg/networkpolicy
  cp "$_knp_patch/nfqueue_compat.go" "$pkg/"
  sed -i \
    -e 's|queue := &expr.Queue{Num: uint16(c.config.QueueID)}|queue := nfqueueTarget(uint16(c.config.QueueID), false)|' \
    -e 's|queue.Flag = expr.QueueFlagBypass|queue = nfqueueTarget(uint16(c.config.QueueID), true)|' \
    "$pkg/controller.go"
  sed -i -e 's|&expr.Queue{Num: uint16(n.nfQueueID), Flag: expr.QueueFlagBypass}|nfqueueTarget(uint16(n.nfQueueID), true)|' \
    "$pkg/dnsagent.go"
  if grep -n 'expr.Queue' "$pkg"/controller.go "$pkg"/dnsagent.go >&2; then
    echo "kube-network-policies: an expr.Queue is left (upstream changed?); see above" >&2
    return 1
  fi
  (cd src && CGO_ENABLED=0 go build -mod=readonly -buildvcs=false -trimpath -ldflags "-s -w" \
    -o "$out/kube-network-policies" ./cmd)
}
