# kube-network-policies, SIG Network's NetworkPolicy enforcer (nftables + nfqueue), for the local
# node (cluster/network-policy.ts). The v0.8.0 go.mod has no replace directive, so a plain
# `go install` of its command works; the command's package is named `cmd`, so the binary is
# renamed.
TOOL_VERSION=v0.8.0

build_tool() {
  mkdir -p "$1"
  CGO_ENABLED=0 GOBIN="$1" go install -trimpath -ldflags "-s -w" \
    "sigs.k8s.io/kube-network-policies/cmd@${TOOL_VERSION}"
  mv "$1/cmd" "$1/kube-network-policies"
}
