package syskit.rules.pinned_images

import data.lib.syskit.kubernetes

# An untagged image means ":latest", and ":latest" moves: two nodes can run different code under the
# same manifest and a rollback restores nothing. A digest pins the image whatever its tag says.
violation contains {"msg": msg} if {
	obj := input.review.object
	some entry in kubernetes.containers(obj)
	image := entry.container.image
	not kubernetes.exempt_container(entry.container)
	not contains(image, "@")
	problem := tag_problem(image)
	msg := sprintf("%s: %s image %q %s; pin it to a version tag or a digest", [
		kubernetes.describe(obj),
		kubernetes.describe_container(entry),
		image,
		problem,
	])
}

# The tag is what follows the last ":" after the last "/"; a ":" before it belongs to a registry port.
tag_problem(image) := "has no tag" if {
	not contains(last_segment(image), ":")
}

tag_problem(image) := "uses the latest tag" if {
	parts := split(last_segment(image), ":")
	parts[count(parts) - 1] == "latest"
}

last_segment(image) := segment if {
	segments := split(image, "/")
	segment := segments[count(segments) - 1]
}
