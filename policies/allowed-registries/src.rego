package syskit.rules.allowed_registries

import data.lib.syskit.kubernetes

# Images come only from the registries the environment trusts (scanned, signed, mirrored), and from
# the extra registries a system declares, which syskit writes onto its namespace as the annotation
# below (read from Gatekeeper's inventory, so a workload cannot widen its own list). A prefix ends
# in "/" so that "ghcr.io/acme/" does not also admit "ghcr.io/acme-evil/". Without registries
# nothing is allowed.
violation contains {"msg": msg} if {
	obj := input.review.object
	registries := array.concat(object.get(input, ["parameters", "registries"], []), system_registries)
	some entry in kubernetes.containers(obj)
	image := object.get(entry.container, "image", "")
	not kubernetes.exempt_container(entry.container)
	not strings.any_prefix_match(image, registries)
	msg := sprintf("%s: %s image %q is not from an allowed registry (%s)", [
		kubernetes.describe(obj),
		kubernetes.describe_container(entry),
		image,
		concat(", ", registries),
	])
}

extra_registries_annotation := "syskit.io/extra-registries"

system_registries := [r | some r in split(listed, ","); r != ""] if {
	namespace := object.get(input.review, "namespace", object.get(input.review.object.metadata, "namespace", ""))
	listed := data.inventory.cluster.v1.Namespace[namespace].metadata.annotations[extra_registries_annotation]
} else := []
