package lib.syskit.kubernetes_test

import data.lib.syskit.kubernetes

labels := {"app.kubernetes.io/name": "orders", "tier": "backend"}

test_an_empty_selector_matches_everything if {
	kubernetes.selector_matches({}, labels)
	kubernetes.selector_matches({}, {})
}

test_match_labels_must_all_hold if {
	kubernetes.selector_matches({"matchLabels": {"app.kubernetes.io/name": "orders"}}, labels)
	not kubernetes.selector_matches({"matchLabels": {"app.kubernetes.io/name": "orders", "tier": "frontend"}}, labels)
}

test_match_expressions_follow_kubernetes_semantics if {
	kubernetes.selector_matches({"matchExpressions": [{"key": "tier", "operator": "In", "values": ["backend", "db"]}]}, labels)
	not kubernetes.selector_matches({"matchExpressions": [{"key": "tier", "operator": "NotIn", "values": ["backend"]}]}, labels)
	kubernetes.selector_matches({"matchExpressions": [{"key": "zone", "operator": "NotIn", "values": ["a"]}]}, labels)
	kubernetes.selector_matches({"matchExpressions": [{"key": "tier", "operator": "Exists"}]}, labels)
	not kubernetes.selector_matches({"matchExpressions": [{"key": "tier", "operator": "DoesNotExist"}]}, labels)
	kubernetes.selector_matches({"matchExpressions": [{"key": "zone", "operator": "DoesNotExist"}]}, labels)
}

test_an_unknown_operator_matches_nothing if {
	not kubernetes.selector_matches({"matchExpressions": [{"key": "tier", "operator": "Gt", "values": ["1"]}]}, labels)
}

test_describe_names_namespaced_and_cluster_objects if {
	kubernetes.describe({"kind": "Deployment", "metadata": {"name": "orders", "namespace": "shop"}}) == "Deployment shop/orders"
	kubernetes.describe({"kind": "Namespace", "metadata": {"name": "shop"}}) == "Namespace shop"
}

test_containers_reads_every_pod_template_path if {
	c := {"name": "app"}
	count(kubernetes.containers({"kind": "Pod", "spec": {"containers": [c]}})) == 1
	count(kubernetes.containers({"kind": "StatefulSet", "spec": {"template": {"spec": {"containers": [c], "initContainers": [c]}}}})) == 2
	count(kubernetes.containers({"kind": "CronJob", "spec": {"jobTemplate": {"spec": {"template": {"spec": {"containers": [c]}}}}}})) == 1
	count(kubernetes.containers({"kind": "Service", "spec": {"containers": [c]}})) == 0
}

test_exempt_images_match_exactly_or_by_prefix if {
	kubernetes.exempt_image("docker.io/istio/proxyv2:1.24.2", ["docker.io/istio/proxyv2:*"])
	kubernetes.exempt_image("hashicorp/vault:1.18.1", ["hashicorp/vault:1.18.1"])
	not kubernetes.exempt_image("hashicorp/vault:1.18.2", ["hashicorp/vault:1.18.1"])
	not kubernetes.exempt_image("docker.io/istio/proxyv2:1.24.2", [])
}
