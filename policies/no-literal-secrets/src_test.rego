package syskit.rules.no_literal_secrets_test

import data.syskit.rules.no_literal_secrets

secret(fields) := object.union({"kind": "Secret", "metadata": {"name": "orders-db", "namespace": "shop"}}, fields)

violations(obj) := result if {
	result := no_literal_secrets.violation with input as {"review": {"object": obj}, "parameters": {"allowedTypes": ["kubernetes.io/tls"]}}
}

test_allows_a_secret_without_data if {
	count(violations(secret({"type": "Opaque"}))) == 0
	count(violations(secret({"data": {}}))) == 0
}

test_allows_data_of_an_allowed_type if {
	count(violations(secret({"type": "kubernetes.io/tls", "data": {"tls.crt": "Y3J0", "tls.key": "a2V5"}}))) == 0
}

test_denies_literal_data_naming_keys_but_not_values if {
	violations(secret({"data": {"password": "aHVudGVyMg=="}, "stringData": {"username": "orders"}})) == {{"msg": `Secret shop/orders-db of type "Opaque" must not carry literal data (keys: password, username); deliver secrets through Vault`}}
}

test_denies_string_data_of_another_type if {
	count(violations(secret({"type": "kubernetes.io/basic-auth", "stringData": {"password": "hunter2"}}))) == 1
}

test_denies_everything_without_parameters if {
	count(no_literal_secrets.violation) == 1 with input as {"review": {"object": secret({"type": "kubernetes.io/tls", "data": {"tls.key": "a2V5"}})}}
}
