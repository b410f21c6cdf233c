# Helpers shared by the syskit rules. Gatekeeper ships this file inside every ConstraintTemplate whose
# Rego imports it (spec.targets[].code[].source.libs), so the rules stay single-sourced here.
package lib.syskit.kubernetes

# The kinds whose pod template syskit checks, and where each keeps it. Pods created by these
# controllers are admitted as Pods too, so a rule that lists Pod sees them a second time.
pod_spec_paths := {
	"Pod": ["spec"],
	"Deployment": ["spec", "template", "spec"],
	"StatefulSet": ["spec", "template", "spec"],
	"DaemonSet": ["spec", "template", "spec"],
	"ReplicaSet": ["spec", "template", "spec"],
	"Job": ["spec", "template", "spec"],
	"CronJob": ["spec", "jobTemplate", "spec", "template", "spec"],
}

# pod_spec(obj) is the PodSpec of a workload object; undefined for any other kind.
pod_spec(obj) := spec if {
	path := pod_spec_paths[obj.kind]
	spec := object.get(obj, path, null)
	is_object(spec)
}

# How each list of containers is named in violation messages.
container_roles := {
	"containers": "container",
	"initContainers": "initContainer",
	"ephemeralContainers": "ephemeralContainer",
}

# containers(obj) lists every container of a workload as {"role": ..., "container": ...}, init and
# ephemeral containers included; empty for objects that carry no pod template.
containers(obj) := [entry |
	spec := pod_spec(obj)
	some field, role in container_roles
	some container in object.get(spec, field, [])
	entry := {"role": role, "container": container}
]

# describe(obj) names an object for a message: "Deployment shop/orders", or "Namespace shop".
describe(obj) := sprintf("%s %s/%s", [obj.kind, namespace, obj.metadata.name]) if {
	namespace := object.get(obj.metadata, "namespace", "")
	namespace != ""
}

describe(obj) := sprintf("%s %s", [obj.kind, obj.metadata.name]) if {
	object.get(obj.metadata, "namespace", "") == ""
}

# describe_container(entry) names one entry of containers(obj): `container "app"`.
describe_container(entry) := sprintf("%s %q", [entry.role, entry.container.name])

labels(obj) := object.get(obj, ["metadata", "labels"], {})

annotations(obj) := object.get(obj, ["metadata", "annotations"], {})

# exempt_container(container) holds when the container's image is one of the constraint's
# exemptImages. Platform-injected sidecars (mesh proxies, the Vault agent) are admitted as part of
# every Pod but are not syskit's to fix; their images are exempted this way.
exempt_container(container) if {
	exempt_image(object.get(container, "image", ""), object.get(input, ["parameters", "exemptImages"], []))
}

# exempt_image(image, patterns) holds when patterns lists the image exactly, or a pattern ending in
# "*" is a prefix of it.
exempt_image(image, patterns) if {
	some pattern in patterns
	image == pattern
}

exempt_image(image, patterns) if {
	some pattern in patterns
	endswith(pattern, "*")
	startswith(image, trim_suffix(pattern, "*"))
}

# selector_matches(selector, object_labels) evaluates a metav1.LabelSelector as Kubernetes does: every
# matchLabels pair and every matchExpressions requirement must hold, and an empty selector matches all.
selector_matches(selector, object_labels) if {
	every key, value in object.get(selector, "matchLabels", {}) {
		object_labels[key] == value
	}
	every requirement in object.get(selector, "matchExpressions", []) {
		requirement_matches(requirement, object_labels)
	}
}

requirement_matches(requirement, object_labels) if {
	requirement.operator == "In"
	object_labels[requirement.key] in requirement.values
}

requirement_matches(requirement, object_labels) if {
	requirement.operator == "NotIn"
	value := object_labels[requirement.key]
	not value in requirement.values
}

# NotIn also matches objects without the key, as in Kubernetes.
requirement_matches(requirement, object_labels) if {
	requirement.operator == "NotIn"
	not has_key(object_labels, requirement.key)
}

requirement_matches(requirement, object_labels) if {
	requirement.operator == "Exists"
	_ = object_labels[requirement.key]
}

requirement_matches(requirement, object_labels) if {
	requirement.operator == "DoesNotExist"
	not has_key(object_labels, requirement.key)
}

has_key(obj, key) if _ = obj[key]
