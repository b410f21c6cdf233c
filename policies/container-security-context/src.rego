package syskit.rules.container_security_context

import data.lib.syskit.kubernetes

# A container that runs as root, or can write its own root filesystem, turns a code-execution bug
# into a persistent foothold. runAsNonRoot may be set for the whole pod; a container's own setting
# overrides it, as the kubelet does.
violation contains {"msg": msg} if {
	obj := input.review.object
	spec := kubernetes.pod_spec(obj)
	some entry in kubernetes.containers(obj)
	not kubernetes.exempt_container(entry.container)
	not runs_as_non_root(spec, entry.container)
	msg := sprintf("%s: %s must set securityContext.runAsNonRoot: true (on the container or the pod)", [
		kubernetes.describe(obj),
		kubernetes.describe_container(entry),
	])
}

violation contains {"msg": msg} if {
	obj := input.review.object
	some entry in kubernetes.containers(obj)
	not kubernetes.exempt_container(entry.container)
	not entry.container.securityContext.readOnlyRootFilesystem == true
	msg := sprintf("%s: %s must set securityContext.readOnlyRootFilesystem: true", [
		kubernetes.describe(obj),
		kubernetes.describe_container(entry),
	])
}

runs_as_non_root(_, container) if container.securityContext.runAsNonRoot == true

runs_as_non_root(spec, container) if {
	not has_own_setting(container)
	spec.securityContext.runAsNonRoot == true
}

has_own_setting(container) if is_boolean(container.securityContext.runAsNonRoot)
