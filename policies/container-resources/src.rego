package syskit.rules.container_resources

import data.lib.syskit.kubernetes

required := ["requests.cpu", "requests.memory", "limits.cpu", "limits.memory"]

# Requests let the scheduler place a pod and the ResourceQuota count it; limits keep one container
# from starving its neighbours. Init containers count too: their requests size the whole pod.
violation contains {"msg": msg} if {
	obj := input.review.object
	some entry in kubernetes.containers(obj)
	entry.role != "ephemeralContainer"
	not kubernetes.exempt_container(entry.container)
	missing := [name | some name in required; not has_resource(entry.container, name)]
	count(missing) > 0
	msg := sprintf("%s: %s has no resources %s", [
		kubernetes.describe(obj),
		kubernetes.describe_container(entry),
		concat(", ", missing),
	])
}

has_resource(container, name) if {
	[section, resource] := split(name, ".")
	value := container.resources[section][resource]
	value != ""
}
