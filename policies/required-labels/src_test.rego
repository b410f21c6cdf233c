package syskit.rules.required_labels_test

import data.syskit.rules.required_labels

params := {"labels": ["syskit.io/owner", "syskit.io/system", "syskit.io/environment"]}

review(obj) := {"review": {"object": obj}, "parameters": params}

service(labels) := {"kind": "Service", "metadata": {"name": "orders", "namespace": "shop", "labels": labels}}

owned := {"syskit.io/owner": "team-commerce", "syskit.io/system": "shop", "syskit.io/environment": "dev"}

test_allows_an_object_with_every_ownership_label if {
	count(required_labels.violation) == 0 with input as review(service(owned))
}

test_allows_extra_labels if {
	count(required_labels.violation) == 0 with input as review(service(object.union(owned, {"app.kubernetes.io/name": "orders"})))
}

test_names_the_object_and_every_missing_label if {
	required_labels.violation == {{"msg": "Service shop/orders must have labels syskit.io/environment, syskit.io/owner"}} with input as review(service({"syskit.io/system": "shop"}))
}

test_counts_an_empty_value_as_missing if {
	required_labels.violation == {{"msg": "Service shop/orders must have labels syskit.io/owner"}} with input as review(service(object.union(owned, {"syskit.io/owner": ""})))
}

test_denies_an_object_without_labels if {
	ns := {"kind": "Namespace", "metadata": {"name": "shop"}}
	required_labels.violation == {{"msg": "Namespace shop must have labels syskit.io/environment, syskit.io/owner, syskit.io/system"}} with input as review(ns)
}
