package syskit.rules.pinned_images

import data.lib.syskit.kubernetes

# An untagged image means ":latest", and floating tags move: ":latest", ":alpine", ":stable" and
# ":main" name whatever was pushed last, so two nodes can run different code under the same manifest
# and a rollback restores nothing. A tag must look like a version (it holds a digit: "7.2.4",
# "7.2-alpine"), and a digest pins the image whatever its tag says. Where the environment requires
# digests (requireDigests), a tag alone is not enough: a registry lets anyone with push rights move
# a version tag too.
violation contains {"msg": msg} if {
	obj := input.review.object
	some entry in kubernetes.containers(obj)
	image := entry.container.image
	not kubernetes.exempt_container(entry.container)
	problem := image_problem(image)
	msg := sprintf("%s: %s image %q %s", [
		kubernetes.describe(obj),
		kubernetes.describe_container(entry),
		image,
		problem,
	])
}

image_problem(image) := "has no tag; pin it to a version tag or a digest" if {
	not contains(image, "@")
	not contains(last_segment(image), ":")
} else := sprintf("uses the floating tag %q; pin it to a version tag (one with a digit, like 7.2.4) or a digest", [tag]) if {
	not contains(image, "@")
	tag := tag_of(image)
	not regex.match(`[0-9]`, tag)
} else := "has no digest; this environment requires images pinned by digest (name:tag@sha256:...)" if {
	not contains(image, "@")
	object.get(input, ["parameters", "requireDigests"], false) == true
}

# The tag is what follows the last ":" after the last "/"; a ":" before it belongs to a registry port.
tag_of(image) := tag if {
	parts := split(last_segment(image), ":")
	count(parts) > 1
	tag := parts[count(parts) - 1]
}

last_segment(image) := segment if {
	segments := split(image, "/")
	segment := segments[count(segments) - 1]
}
