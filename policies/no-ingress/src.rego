package syskit.rules.no_ingress

import data.lib.syskit.kubernetes

# The platform routes with the Gateway API only; an Ingress would be served by whatever controller
# happens to watch it, outside the Gateway's TLS, authentication and rate limits.
violation contains {"msg": msg} if {
	obj := input.review.object
	obj.kind == "Ingress"
	msg := sprintf("%s: Ingress is not allowed; route traffic with a Gateway API HTTPRoute", [kubernetes.describe(obj)])
}
