package syskit.rules.container_probes_test

import data.syskit.rules.container_probes

probe := {"httpGet": {"path": "/ready", "port": "http"}}

deployment(container) := {
	"kind": "Deployment",
	"metadata": {"name": "orders", "namespace": "shop"},
	"spec": {"template": {"spec": {"containers": [container], "initContainers": [{"name": "migrate"}]}}},
}

violations(obj) := result if {
	result := container_probes.violation with input as {"review": {"object": obj}, "parameters": {}}
}

test_allows_both_probes_and_init_containers_without_probes if {
	count(violations(deployment({"name": "app", "readinessProbe": probe, "livenessProbe": probe}))) == 0
}

test_denies_a_missing_liveness_probe if {
	violations(deployment({"name": "app", "readinessProbe": probe})) == {{"msg": `Deployment shop/orders: container "app" has no livenessProbe`}}
}

test_names_both_missing_probes if {
	violations(deployment({"name": "app"})) == {{"msg": `Deployment shop/orders: container "app" has no readinessProbe and no livenessProbe`}}
}

test_skips_the_pods_of_a_job if {
	pod := {"kind": "Pod", "metadata": {"name": "migrate-x7k2p", "namespace": "shop", "ownerReferences": [{"kind": "Job", "name": "migrate"}]}, "spec": {"containers": [{"name": "migrate"}]}}
	count(violations(pod)) == 0
}

test_checks_a_bare_pod if {
	pod := {"kind": "Pod", "metadata": {"name": "debug", "namespace": "shop"}, "spec": {"containers": [{"name": "app"}]}}
	count(violations(pod)) == 1
}
