package syskit.rules.container_probes

import data.lib.syskit.kubernetes

probes := ["readinessProbe", "livenessProbe"]

# Without a readiness probe a rollout sends traffic to pods that cannot serve it yet; without a
# liveness probe a deadlocked process keeps its pod forever. Init containers run to completion and
# take no probes. Pods of a Job run to completion as well, so they are not asked for probes.
violation contains {"msg": msg} if {
	obj := input.review.object
	not owned_by_job(obj)
	some entry in kubernetes.containers(obj)
	entry.role == "container"
	not kubernetes.exempt_container(entry.container)
	missing := [probe | some probe in probes; not is_object(object.get(entry.container, probe, null))]
	count(missing) > 0
	msg := sprintf("%s: %s has no %s", [
		kubernetes.describe(obj),
		kubernetes.describe_container(entry),
		concat(" and no ", missing),
	])
}

owned_by_job(obj) if {
	some owner in object.get(obj.metadata, "ownerReferences", [])
	owner.kind == "Job"
}
