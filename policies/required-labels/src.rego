package syskit.rules.required_labels

import data.lib.syskit.kubernetes

# Ownership labels are how an on-call engineer gets from any object to its system, environment and
# team; an object without them cannot be routed, billed or cleaned up.
violation contains {"msg": msg} if {
	obj := input.review.object
	provided := {key | some key, value in kubernetes.labels(obj); value != ""}
	required := {key | some key in input.parameters.labels}
	missing := required - provided
	count(missing) > 0
	msg := sprintf("%s must have labels %s", [kubernetes.describe(obj), concat(", ", sort(missing))])
}
