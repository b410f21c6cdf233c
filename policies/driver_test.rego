package syskit.driver_test

import data.syskit.driver

system_namespace := {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop", "labels": {"syskit.io/system": "shop"}}}

other_namespace := {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "tools"}}

ingress(namespace, labels) := {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": "web", "namespace": namespace, "labels": labels}}

no_ingress := {
	"name": "no-ingress",
	"package": "no_ingress",
	"match": {"kinds": [{"apiGroups": ["networking.k8s.io"], "kinds": ["Ingress"]}], "namespaceSelector": {"matchExpressions": [{"key": "syskit.io/system", "operator": "Exists"}]}},
}

test_reports_an_object_in_a_system_namespace if {
	driver.violations == {{
		"rule": "no-ingress",
		"kind": "Ingress",
		"namespace": "shop",
		"name": "web",
		"message": "Ingress shop/web: Ingress is not allowed; route traffic with a Gateway API HTTPRoute",
	}} with input as {"objects": [system_namespace, ingress("shop", {})], "rules": [no_ingress]}
}

test_skips_an_object_in_another_namespace if {
	count(driver.violations) == 0 with input as {"objects": [other_namespace, ingress("tools", {})], "rules": [no_ingress]}
}

test_infers_a_system_namespace_from_the_object_labels if {
	count(driver.violations) == 1 with input as {"objects": [ingress("shop", {"syskit.io/system": "shop"})], "rules": [no_ingress]}
	count(driver.violations) == 0 with input as {"objects": [ingress("shop", {})], "rules": [no_ingress]}
}

test_skips_kinds_the_match_does_not_list if {
	service := {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": "shop"}, "spec": {"type": "LoadBalancer"}}
	count(driver.violations) == 0 with input as {"objects": [system_namespace, service], "rules": [no_ingress]}
}

test_selects_namespaces_by_their_own_labels if {
	rule := {
		"name": "system-namespaces",
		"package": "system_namespaces",
		"match": {"kinds": [{"apiGroups": [""], "kinds": ["Namespace"]}], "labelSelector": {"matchExpressions": [{"key": "syskit.io/system", "operator": "Exists"}]}},
		"parameters": {"mesh": "istio"},
	}
	found := {[v.name, v.message] | some v in driver.violations} with input as {"objects": [system_namespace, other_namespace], "rules": [rule]}
	found == {
		["shop", `Namespace shop must have label pod-security.kubernetes.io/enforce: restricted, got ""`],
		["shop", "Namespace shop must enable istio sidecar injection with label istio-injection: enabled"],
	}
}

test_builds_the_inventory_from_the_objects if {
	deployment := {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "orders", "namespace": "shop"}, "spec": {"replicas": 2, "template": {"metadata": {"labels": {"app": "orders"}}}}}
	pdb := {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": "orders", "namespace": "shop"}, "spec": {"selector": {"matchLabels": {"app": "orders"}}}}
	rule := {"name": "disruption-budgets", "package": "disruption_budgets", "referential": true, "match": {"kinds": [{"apiGroups": ["apps"], "kinds": ["Deployment"]}]}}
	synced := [{"group": "policy", "version": "v1", "kind": "PodDisruptionBudget"}]
	count(driver.violations) == 1 with input as {"objects": [deployment], "rules": [rule], "synced": synced}
	count(driver.violations) == 0 with input as {"objects": [deployment, pdb], "rules": [rule], "synced": synced}
	driver.inventory == {"cluster": {}, "namespace": {"shop": {"policy/v1": {"PodDisruptionBudget": {"orders": pdb}}}}} with input as {"objects": [deployment, pdb], "rules": [rule], "synced": synced}
}

test_syncs_only_the_kinds_of_the_config if {
	pdb := {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": "orders", "namespace": "shop"}, "spec": {}}
	deployment := {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "orders", "namespace": "shop"}, "spec": {"replicas": 2}}
	rule := {"name": "disruption-budgets", "package": "disruption_budgets", "referential": true, "match": {"kinds": [{"apiGroups": ["apps"], "kinds": ["Deployment"]}]}}
	count(driver.violations) == 1 with input as {"objects": [deployment, pdb], "rules": [rule], "synced": []}
}

test_evaluates_each_environment_as_its_own_input if {
	deployment := {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "orders", "namespace": "shop"}, "spec": {"replicas": 2, "template": {"metadata": {"labels": {"app": "orders"}}}}}
	pdb := {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": "orders", "namespace": "shop"}, "spec": {"selector": {"matchLabels": {"app": "orders"}}}}
	budgets := {"name": "disruption-budgets", "package": "disruption_budgets", "referential": true, "match": {"kinds": [{"apiGroups": ["apps"], "kinds": ["Deployment"]}]}}
	synced := [{"group": "policy", "version": "v1", "kind": "PodDisruptionBudget"}]
	found := driver.by_environment with input as {"environments": {
		"dev": {"objects": [system_namespace, ingress("shop", {})], "rules": [no_ingress]},
		"qa": {"objects": [deployment], "rules": [budgets], "synced": synced},
		"prod": {"objects": [deployment, pdb], "rules": [budgets], "synced": synced},
	}}
	{name: count(vs) | some name, vs in found} == {"dev": 1, "qa": 1, "prod": 0}
	{v.rule | some v in found.dev} == {"no-ingress"}
	{v.rule | some v in found.qa} == {"disruption-budgets"}
}

secrets_rule(kinds) := {"name": "no-literal-secrets", "package": "no_literal_secrets", "match": {"kinds": kinds}}

test_selects_every_kind_for_a_wildcard_or_no_kinds if {
	secret := {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "web", "namespace": "shop"}, "stringData": {"password": "x"}}
	objects := [system_namespace, secret, ingress("shop", {})]
	count(driver.violations) == 1 with input as {"objects": objects, "rules": [secrets_rule([{"apiGroups": ["*"], "kinds": ["*"]}])]}
	count(driver.violations) == 1 with input as {"objects": objects, "rules": [secrets_rule([{"apiGroups": [""], "kinds": ["Pod", "*"]}])]}
	count(driver.violations) == 1 with input as {"objects": objects, "rules": [secrets_rule([])]}
	count(driver.violations) == 1 with input as {"objects": objects, "rules": [{"name": "no-literal-secrets", "package": "no_literal_secrets", "match": {}}]}
}

test_matches_the_group_as_well_as_the_kind if {
	other_group := {"name": "no-ingress", "package": "no_ingress", "match": {"kinds": [{"apiGroups": ["extensions"], "kinds": ["Ingress"]}]}}
	any_group := {"name": "no-ingress", "package": "no_ingress", "match": {"kinds": [{"apiGroups": ["*"], "kinds": ["Ingress"]}]}}
	count(driver.violations) == 0 with input as {"objects": [system_namespace, ingress("shop", {})], "rules": [other_group]}
	count(driver.violations) == 1 with input as {"objects": [system_namespace, ingress("shop", {})], "rules": [any_group]}
}

test_reports_an_object_once_when_several_selectors_name_its_kind if {
	twice := {"name": "no-ingress", "package": "no_ingress", "match": {"kinds": [
		{"apiGroups": ["networking.k8s.io"], "kinds": ["Ingress"]},
		{"apiGroups": ["networking.k8s.io", "extensions"], "kinds": ["Ingress", "Ingress"]},
	]}}
	found := [v | some v in driver.violations] with input as {"objects": [system_namespace, ingress("shop", {})], "rules": [twice]}
	count(found) == 1
}
