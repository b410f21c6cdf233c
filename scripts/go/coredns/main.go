// CoreDNS with only the plugins a cluster's DNS uses (the Corefile in cluster/dns.ts). Upstream's
// main links all ~60 plugins, including the Route 53, Azure and Cloud DNS SDKs, which triples the
// cold build; CoreDNS documents this way of choosing plugins at compile time (plugin.cfg, or a
// main that imports the plugins it needs). The directive order stays upstream's
// (core/dnsserver/zdirectives.go), so a Corefile behaves exactly as with the full build.
package main

import (
	"github.com/coredns/coredns/coremain"

	_ "github.com/coredns/coredns/plugin/cache"
	_ "github.com/coredns/coredns/plugin/errors"
	_ "github.com/coredns/coredns/plugin/forward"
	_ "github.com/coredns/coredns/plugin/health"
	_ "github.com/coredns/coredns/plugin/kubernetes"
	_ "github.com/coredns/coredns/plugin/loadbalance"
	_ "github.com/coredns/coredns/plugin/log"
	_ "github.com/coredns/coredns/plugin/loop"
	_ "github.com/coredns/coredns/plugin/ready"
	_ "github.com/coredns/coredns/plugin/reload"
	_ "github.com/coredns/coredns/plugin/whoami"
)

func main() {
	coremain.Run()
}
