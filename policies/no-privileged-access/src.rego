package syskit.rules.no_privileged_access

import data.lib.syskit.kubernetes

# Each of these gives a container the node rather than its own sandbox: a privileged container or a
# hostPath mount reaches the node's devices and files, and the host namespaces expose the node's
# network stack, processes and shared memory to the pod.
host_namespaces := ["hostNetwork", "hostPID", "hostIPC"]

violation contains {"msg": msg} if {
	obj := input.review.object
	some entry in kubernetes.containers(obj)
	entry.container.securityContext.privileged == true
	msg := sprintf("%s: %s must not run privileged", [kubernetes.describe(obj), kubernetes.describe_container(entry)])
}

violation contains {"msg": msg} if {
	obj := input.review.object
	spec := kubernetes.pod_spec(obj)
	some field in host_namespaces
	spec[field] == true
	msg := sprintf("%s must not set %s", [kubernetes.describe(obj), field])
}

violation contains {"msg": msg} if {
	obj := input.review.object
	spec := kubernetes.pod_spec(obj)
	some volume in object.get(spec, "volumes", [])
	volume.hostPath
	msg := sprintf("%s: volume %q must not be a hostPath volume", [kubernetes.describe(obj), volume.name])
}
