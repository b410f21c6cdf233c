package syskit.rules.pinned_images_test

import data.syskit.rules.pinned_images

pod(image) := {"kind": "Pod", "metadata": {"name": "orders", "namespace": "shop"}, "spec": {"containers": [{"name": "app", "image": image}]}}

violations(image) := result if {
	result := pinned_images.violation with input as {"review": {"object": pod(image)}, "parameters": {}}
}

test_allows_a_version_tag if {
	count(violations("ghcr.io/acme/orders:1.4.2")) == 0
}

test_allows_a_digest if {
	count(violations("ghcr.io/acme/orders@sha256:4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945")) == 0
}

test_allows_a_latest_tag_pinned_by_digest if {
	count(violations("ghcr.io/acme/orders:latest@sha256:4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945")) == 0
}

test_allows_a_tag_behind_a_registry_port if {
	count(violations("registry.acme.example:5000/acme/orders:1.4.2")) == 0
}

test_denies_the_latest_tag if {
	violations("ghcr.io/acme/orders:latest") == {{"msg": `Pod shop/orders: container "app" image "ghcr.io/acme/orders:latest" uses the latest tag; pin it to a version tag or a digest`}}
}

test_denies_an_untagged_image if {
	violations("ghcr.io/acme/orders") == {{"msg": `Pod shop/orders: container "app" image "ghcr.io/acme/orders" has no tag; pin it to a version tag or a digest`}}
}

test_denies_an_untagged_image_behind_a_registry_port if {
	count(violations("registry.acme.example:5000/acme/orders")) == 1
}

test_skips_exempt_images if {
	count(pinned_images.violation) == 0 with input as {"review": {"object": pod("docker.io/istio/proxyv2")}, "parameters": {"exemptImages": ["docker.io/istio/*"]}}
}
