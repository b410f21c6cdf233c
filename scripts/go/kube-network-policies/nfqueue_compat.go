// Added to sigs.k8s.io/kube-network-policies/pkg/networkpolicy by scripts/tools/kube-network-policies.sh.
//
// kube-network-policies hands packets to its userspace verdict loop with the nftables `queue`
// expression (kernel option NFT_QUEUE). Some kernels are built without it but with the xtables
// NFQUEUE target and nft_compat, which together do the same: the packet goes to the same
// netlink queue, with the same bypass flag. These helpers build that target; the build script
// puts them where upstream builds an expr.Queue.

package networkpolicy

import (
	"encoding/binary"

	"github.com/google/nftables/expr"
	"github.com/google/nftables/xt"
)

// nfqFlagBypass is NFQ_FLAG_BYPASS of <linux/netfilter/xt_NFQUEUE.h>: accept the packet when
// no program listens on the queue.
const nfqFlagBypass = 0x01

// nfqueueTarget is `-j NFQUEUE --queue-num num [--queue-bypass]` (revision 3, struct
// xt_NFQ_info_v3 { __u16 queuenum; __u16 queues_total; __u16 flags; }, padded to 8 bytes as
// XT_ALIGN requires), in host byte order like every xtables payload.
func nfqueueTarget(num uint16, bypass bool) *expr.Target {
	info := make(xt.Unknown, 8)
	binary.NativeEndian.PutUint16(info[0:], num)
	binary.NativeEndian.PutUint16(info[2:], 1)
	if bypass {
		binary.NativeEndian.PutUint16(info[4:], nfqFlagBypass)
	}
	return &expr.Target{Name: "NFQUEUE", Rev: 3, Info: &info}
}
