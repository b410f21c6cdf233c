package syskit.rules.disruption_budgets_test

import data.syskit.rules.disruption_budgets

pod_labels := {"app.kubernetes.io/name": "orders", "syskit.io/system": "shop"}

deployment(spec) := {
	"apiVersion": "apps/v1",
	"kind": "Deployment",
	"metadata": {"name": "orders", "namespace": "shop"},
	"spec": object.union({"template": {"metadata": {"labels": pod_labels}}}, spec),
}

pdb(selector) := {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": "orders", "namespace": "shop"}, "spec": {"maxUnavailable": 1, "selector": selector}}

hpa(target, min) := {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": {"name": "orders", "namespace": "shop"}, "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": target}, "minReplicas": min, "maxReplicas": 6}}

inventory(pdbs, hpas) := {"namespace": {"shop": {
	"policy/v1": {"PodDisruptionBudget": {sprintf("pdb-%d", [i]): p | some i, p in pdbs}},
	"autoscaling/v2": {"HorizontalPodAutoscaler": {sprintf("hpa-%d", [i]): h | some i, h in hpas}},
}}}

violations(obj, inv) := result if {
	result := disruption_budgets.violation with input as {"review": {"object": obj}} with data.inventory as inv
}

test_allows_replicas_covered_by_a_budget if {
	count(violations(deployment({"replicas": 3}), inventory([pdb({"matchLabels": {"app.kubernetes.io/name": "orders"}})], []))) == 0
}

test_allows_a_budget_selecting_by_expression if {
	selector := {"matchExpressions": [{"key": "app.kubernetes.io/name", "operator": "In", "values": ["orders", "payments"]}]}
	count(violations(deployment({"replicas": 3}), inventory([pdb(selector)], []))) == 0
}

test_allows_a_single_replica_without_a_budget if {
	count(violations(deployment({"replicas": 1}), inventory([], []))) == 0
	count(violations(deployment({}), inventory([], []))) == 0
}

test_denies_replicas_without_a_budget if {
	violations(deployment({"replicas": 3}), inventory([], [])) == {{"msg": `Deployment shop/orders runs 3 replicas but no PodDisruptionBudget in namespace "shop" selects its pods`}}
}

test_denies_when_the_inventory_is_empty if {
	count(violations(deployment({"replicas": 2}), {})) == 1
}

test_denies_a_budget_for_other_pods if {
	count(violations(deployment({"replicas": 3}), inventory([pdb({"matchLabels": {"app.kubernetes.io/name": "payments"}})], []))) == 1
}

test_denies_a_budget_without_selector if {
	budget := {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": "orders", "namespace": "shop"}, "spec": {"maxUnavailable": 1}}
	count(violations(deployment({"replicas": 3}), inventory([budget], []))) == 1
}

test_allows_an_empty_selector_which_selects_every_pod if {
	count(violations(deployment({"replicas": 3}), inventory([pdb({})], []))) == 0
}

test_counts_the_autoscaler_minimum if {
	violations(deployment({}), inventory([], [hpa("orders", 2)])) == {{"msg": `Deployment shop/orders runs 2 replicas but no PodDisruptionBudget in namespace "shop" selects its pods`}}
}

test_ignores_an_autoscaler_of_another_workload if {
	count(violations(deployment({}), inventory([], [hpa("payments", 4)]))) == 0
}
