package syskit.rules.no_ingress_test

import data.syskit.rules.no_ingress

violations(obj) := result if {
	result := no_ingress.violation with input as {"review": {"object": obj}}
}

test_denies_an_ingress if {
	obj := {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": "orders", "namespace": "shop"}}
	violations(obj) == {{"msg": "Ingress shop/orders: Ingress is not allowed; route traffic with a Gateway API HTTPRoute"}}
}

test_allows_an_httproute if {
	obj := {"apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute", "metadata": {"name": "orders", "namespace": "shop"}}
	count(violations(obj)) == 0
}
