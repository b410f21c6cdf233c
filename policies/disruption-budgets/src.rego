package syskit.rules.disruption_budgets

import data.lib.syskit.kubernetes

# A workload that runs more than one replica does so to stay available; without a
# PodDisruptionBudget a node drain may still evict every replica at once. Reads the
# PodDisruptionBudgets and HorizontalPodAutoscalers of the namespace from Gatekeeper's inventory,
# so both kinds must be synced (see gatekeeperConfig in policies/catalog.ts).
violation contains {"msg": msg} if {
	obj := input.review.object
	replicas := desired_replicas(obj)
	replicas > 1
	pod_labels := object.get(obj, ["spec", "template", "metadata", "labels"], {})
	not covered(obj.metadata.namespace, pod_labels)
	msg := sprintf("%s runs %d replicas but no PodDisruptionBudget in namespace %q selects its pods", [
		kubernetes.describe(obj),
		replicas,
		obj.metadata.namespace,
	])
}

# The replica count to protect: spec.replicas (Kubernetes defaults it to 1), or the minimum of a
# HorizontalPodAutoscaler that scales this workload, whichever is higher.
desired_replicas(obj) := max({object.get(obj.spec, "replicas", 1)} | autoscaler_minimums(obj))

autoscaler_minimums(obj) := {object.get(hpa.spec, "minReplicas", 1) |
	some hpa in inventory(obj.metadata.namespace, "autoscaling/v2", "HorizontalPodAutoscaler")
	hpa.spec.scaleTargetRef.kind == obj.kind
	hpa.spec.scaleTargetRef.name == obj.metadata.name
}

# In policy/v1 an empty selector selects every pod of the namespace; a missing one selects none.
covered(namespace, pod_labels) if {
	some pdb in inventory(namespace, "policy/v1", "PodDisruptionBudget")
	is_object(pdb.spec.selector)
	kubernetes.selector_matches(pdb.spec.selector, pod_labels)
}

inventory(namespace, group_version, kind) := object.get(data.inventory, ["namespace", namespace, group_version, kind], {})
