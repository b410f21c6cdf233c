package syskit.rules.allowed_registries_test

import data.syskit.rules.allowed_registries

params := {"registries": ["ghcr.io/acme/", "registry.acme.example/"], "exemptImages": ["docker.io/istio/proxyv2:*"]}

deployment(pod_spec) := {
	"kind": "Deployment",
	"metadata": {"name": "orders", "namespace": "shop"},
	"spec": {"template": {"spec": pod_spec}},
}

review(obj) := {"review": {"object": obj}, "parameters": params}

test_allows_images_from_allowed_registries if {
	spec := {"containers": [{"name": "app", "image": "ghcr.io/acme/orders:1.4.2"}], "initContainers": [{"name": "migrate", "image": "registry.acme.example/migrate:1.0.0"}]}
	count(allowed_registries.violation) == 0 with input as review(deployment(spec))
}

test_allows_exempt_images if {
	spec := {"containers": [{"name": "istio-proxy", "image": "docker.io/istio/proxyv2:1.24.2"}]}
	count(allowed_registries.violation) == 0 with input as review(deployment(spec))
}

test_denies_an_image_from_another_registry if {
	spec := {"containers": [{"name": "app", "image": "docker.io/library/nginx:1.27"}]}
	allowed_registries.violation == {{"msg": `Deployment shop/orders: container "app" image "docker.io/library/nginx:1.27" is not from an allowed registry (ghcr.io/acme/, registry.acme.example/)`}} with input as review(deployment(spec))
}

test_denies_a_lookalike_prefix if {
	spec := {"containers": [{"name": "app", "image": "ghcr.io/acme-evil/orders:1.4.2"}]}
	count(allowed_registries.violation) == 1 with input as review(deployment(spec))
}

test_checks_init_and_ephemeral_containers if {
	spec := {
		"containers": [{"name": "app", "image": "ghcr.io/acme/orders:1.4.2"}],
		"initContainers": [{"name": "fetch", "image": "quay.io/someone/fetch:1"}],
		"ephemeralContainers": [{"name": "debug", "image": "busybox:1.36"}],
	}
	msgs := {v.msg | some v in allowed_registries.violation} with input as review(deployment(spec))
	msgs == {
		`Deployment shop/orders: initContainer "fetch" image "quay.io/someone/fetch:1" is not from an allowed registry (ghcr.io/acme/, registry.acme.example/)`,
		`Deployment shop/orders: ephemeralContainer "debug" image "busybox:1.36" is not from an allowed registry (ghcr.io/acme/, registry.acme.example/)`,
	}
}

test_denies_everything_when_no_registry_is_allowed if {
	spec := {"containers": [{"name": "app", "image": "ghcr.io/acme/orders:1.4.2"}]}
	count(allowed_registries.violation) == 1 with input as {"review": {"object": deployment(spec)}, "parameters": {"registries": []}}
}

namespace_with_extra_registries := {"v1": {"Namespace": {"shop": {
	"apiVersion": "v1",
	"kind": "Namespace",
	"metadata": {"name": "shop", "annotations": {"syskit.io/extra-registries": "quay.io/acme-cache/"}},
}}}}

test_allows_a_registry_the_system_declares_on_its_namespace if {
	spec := {"containers": [{"name": "cache", "image": "quay.io/acme-cache/redis:7.2.4"}]}
	count(allowed_registries.violation) == 0 with input as review(deployment(spec))
		with data.inventory.cluster as namespace_with_extra_registries
}

test_denies_another_systems_registry if {
	spec := {"containers": [{"name": "cache", "image": "quay.io/acme-cache/redis:7.2.4"}]}
	other := {"kind": "Deployment", "metadata": {"name": "cache", "namespace": "billing"}, "spec": {"template": {"spec": spec}}}
	count(allowed_registries.violation) == 1 with input as review(other)
		with data.inventory.cluster as namespace_with_extra_registries
}
