package syskit.rules.route_hostnames

import data.lib.syskit.kubernetes

# An environment serves only its own domain: a route in dev must not claim a production hostname on a
# shared Gateway. A route without hostnames would take every hostname its listeners accept.
violation contains {"msg": msg} if {
	obj := input.review.object
	count(object.get(obj.spec, "hostnames", [])) == 0
	msg := sprintf("%s declares no hostnames; it must name hostnames under %q", [
		kubernetes.describe(obj),
		input.parameters.domain,
	])
}

violation contains {"msg": msg} if {
	obj := input.review.object
	some hostname in object.get(obj.spec, "hostnames", [])
	not under_domain(lower(hostname), lower(input.parameters.domain))
	msg := sprintf("%s: hostname %q is not under the environment domain %q", [
		kubernetes.describe(obj),
		hostname,
		input.parameters.domain,
	])
}

under_domain(hostname, domain) if hostname == domain

under_domain(hostname, domain) if endswith(hostname, concat("", [".", domain]))
