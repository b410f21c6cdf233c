package syskit.rules.route_hostnames_test

import data.syskit.rules.route_hostnames

route(spec) := {"kind": "HTTPRoute", "metadata": {"name": "orders", "namespace": "shop"}, "spec": spec}

violations(spec) := result if {
	result := route_hostnames.violation with input as {"review": {"object": route(spec)}, "parameters": {"domain": "dev.acme.example"}}
}

test_allows_the_domain_its_subdomains_and_wildcards if {
	count(violations({"hostnames": ["dev.acme.example", "shop.dev.acme.example", "*.shop.dev.acme.example", "Shop.Dev.Acme.Example"]})) == 0
}

test_denies_a_hostname_of_another_environment if {
	violations({"hostnames": ["shop.dev.acme.example", "shop.acme.example"]}) == {{"msg": `HTTPRoute shop/orders: hostname "shop.acme.example" is not under the environment domain "dev.acme.example"`}}
}

test_denies_a_suffix_that_is_not_a_subdomain if {
	count(violations({"hostnames": ["evildev.acme.example"]})) == 1
}

test_denies_a_catch_all_wildcard if {
	count(violations({"hostnames": ["*"]})) == 1
}

test_denies_a_route_without_hostnames if {
	violations({"rules": []}) == {{"msg": `HTTPRoute shop/orders declares no hostnames; it must name hostnames under "dev.acme.example"`}}
	count(violations({"hostnames": []})) == 1
}
