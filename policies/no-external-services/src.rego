package syskit.rules.no_external_services

import data.lib.syskit.kubernetes

# Traffic from outside reaches a system only through the platform Gateway, where TLS, JWT validation
# and rate limits apply; a NodePort or LoadBalancer Service would open a door beside it.
external_types := {"NodePort", "LoadBalancer"}

violation contains {"msg": msg} if {
	obj := input.review.object
	obj.kind == "Service"
	obj.spec.type in external_types
	msg := sprintf("%s must not be of type %s; expose it through an HTTPRoute on the platform Gateway", [
		kubernetes.describe(obj),
		obj.spec.type,
	])
}
