package syskit.rules.pinned_images_test

import data.syskit.rules.pinned_images

pod(image) := {"kind": "Pod", "metadata": {"name": "orders", "namespace": "shop"}, "spec": {"containers": [{"name": "app", "image": image}]}}

violations(image) := result if {
	result := pinned_images.violation with input as {"review": {"object": pod(image)}, "parameters": {}}
}

violations_requiring_digests(image) := result if {
	result := pinned_images.violation with input as {"review": {"object": pod(image)}, "parameters": {"requireDigests": true}}
}

test_allows_a_version_tag if {
	count(violations("ghcr.io/acme/orders:1.4.2")) == 0
}

test_allows_a_version_tag_with_a_flavour if {
	count(violations("registry.acme.example/mirror/redis:7.2-alpine")) == 0
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
	violations("ghcr.io/acme/orders:latest") == {{"msg": `Pod shop/orders: container "app" image "ghcr.io/acme/orders:latest" uses the floating tag "latest"; pin it to a version tag (one with a digit, like 7.2.4) or a digest`}}
}

test_denies_floating_words if {
	every tag in ["alpine", "stable", "main", "edge", "lts"] {
		count(violations(sprintf("ghcr.io/acme/redis:%s", [tag]))) == 1
	}
}

test_denies_an_untagged_image if {
	violations("ghcr.io/acme/orders") == {{"msg": `Pod shop/orders: container "app" image "ghcr.io/acme/orders" has no tag; pin it to a version tag or a digest`}}
}

test_denies_an_untagged_image_behind_a_registry_port if {
	count(violations("registry.acme.example:5000/acme/orders")) == 1
}

test_denies_a_tag_without_digest_where_digests_are_required if {
	violations_requiring_digests("ghcr.io/acme/orders:1.4.2") == {{"msg": `Pod shop/orders: container "app" image "ghcr.io/acme/orders:1.4.2" has no digest; this environment requires images pinned by digest (name:tag@sha256:...)`}}
}

test_allows_a_tag_with_digest_where_digests_are_required if {
	count(violations_requiring_digests("ghcr.io/acme/orders:1.4.2@sha256:4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945")) == 0
}

test_skips_exempt_images if {
	count(pinned_images.violation) == 0 with input as {"review": {"object": pod("docker.io/istio/proxyv2")}, "parameters": {"exemptImages": ["docker.io/istio/*"], "requireDigests": true}}
}
