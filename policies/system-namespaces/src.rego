package syskit.rules.system_namespaces

import data.lib.syskit.kubernetes

# Pod Security Admission "restricted" is the floor under every other workload rule: it holds even for
# objects that reach the cluster without passing syskit. Mesh injection gives every pod mTLS and the
# AuthorizationPolicies derived from the call graph.
violation contains {"msg": msg} if {
	obj := input.review.object
	value := object.get(kubernetes.labels(obj), "pod-security.kubernetes.io/enforce", "")
	value != "restricted"
	msg := sprintf("%s must have label pod-security.kubernetes.io/enforce: restricted, got %q", [
		kubernetes.describe(obj),
		value,
	])
}

violation contains {"msg": msg} if {
	obj := input.review.object
	not mesh_injected(input.parameters.mesh, obj)
	msg := sprintf("%s must enable %s sidecar injection with %s", [
		kubernetes.describe(obj),
		input.parameters.mesh,
		injection_marker[input.parameters.mesh],
	])
}

injection_marker := {
	"istio": "label istio-injection: enabled",
	"linkerd": "annotation linkerd.io/inject: enabled",
}

mesh_injected("istio", obj) if kubernetes.labels(obj)["istio-injection"] == "enabled"

mesh_injected("linkerd", obj) if kubernetes.annotations(obj)["linkerd.io/inject"] == "enabled"
