package syskit.rules.allowed_registries

import data.lib.syskit.kubernetes

# Images come only from the registries the environment trusts (scanned, signed, mirrored); a prefix
# ends in "/" so that "ghcr.io/acme/" does not also admit "ghcr.io/acme-evil/". Without registries
# nothing is allowed.
violation contains {"msg": msg} if {
	obj := input.review.object
	registries := object.get(input, ["parameters", "registries"], [])
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
