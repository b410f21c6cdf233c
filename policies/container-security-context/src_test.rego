package syskit.rules.container_security_context_test

import data.syskit.rules.container_security_context

deployment(pod_security, container_security) := {
	"kind": "Deployment",
	"metadata": {"name": "orders", "namespace": "shop"},
	"spec": {"template": {"spec": {
		"securityContext": pod_security,
		"containers": [{"name": "app", "image": "ghcr.io/acme/orders:1.4.2", "securityContext": container_security}],
	}}},
}

violations(obj) := result if {
	result := container_security_context.violation with input as {"review": {"object": obj}, "parameters": {}}
}

test_allows_non_root_on_the_container if {
	count(violations(deployment({}, {"runAsNonRoot": true, "readOnlyRootFilesystem": true}))) == 0
}

test_allows_non_root_inherited_from_the_pod if {
	count(violations(deployment({"runAsNonRoot": true}, {"readOnlyRootFilesystem": true}))) == 0
}

test_denies_a_container_that_overrides_the_pod if {
	violations(deployment({"runAsNonRoot": true}, {"runAsNonRoot": false, "readOnlyRootFilesystem": true})) == {{"msg": `Deployment shop/orders: container "app" must set securityContext.runAsNonRoot: true (on the container or the pod)`}}
}

test_denies_a_writable_root_filesystem if {
	violations(deployment({"runAsNonRoot": true}, {})) == {{"msg": `Deployment shop/orders: container "app" must set securityContext.readOnlyRootFilesystem: true`}}
}

test_denies_both_when_nothing_is_set if {
	obj := {"kind": "Pod", "metadata": {"name": "debug", "namespace": "shop"}, "spec": {"containers": [{"name": "app", "image": "ghcr.io/acme/debug:1"}]}}
	count(violations(obj)) == 2
}

test_skips_exempt_images if {
	obj := deployment({}, {})
	count(container_security_context.violation) == 0 with input as {"review": {"object": obj}, "parameters": {"exemptImages": ["ghcr.io/acme/orders:1.4.2"]}}
}
