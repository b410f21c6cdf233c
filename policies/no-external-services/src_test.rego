package syskit.rules.no_external_services_test

import data.syskit.rules.no_external_services

service(spec) := {"kind": "Service", "metadata": {"name": "orders", "namespace": "shop"}, "spec": spec}

violations(obj) := result if {
	result := no_external_services.violation with input as {"review": {"object": obj}}
}

test_allows_cluster_ip_and_the_default_type if {
	count(violations(service({"type": "ClusterIP"}))) == 0
	count(violations(service({"ports": [{"port": 80}]}))) == 0
}

test_denies_a_load_balancer if {
	violations(service({"type": "LoadBalancer"})) == {{"msg": "Service shop/orders must not be of type LoadBalancer; expose it through an HTTPRoute on the platform Gateway"}}
}

test_denies_a_node_port if {
	count(violations(service({"type": "NodePort"}))) == 1
}
