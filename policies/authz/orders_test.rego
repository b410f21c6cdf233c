package envoy.authz_test

import data.envoy.authz

gateway := "spiffe://cluster.local/ns/kong/sa/kong-gateway"

# Signing is Kong's job; the policy only decodes, so any key makes a well-formed token here.
token(claims) := io.jwt.encode_sign({"typ": "JWT", "alg": "HS256"}, claims, {"kty": "oct", "k": "dGVzdA"})

customer := token({"sub": "c-1", "realm_access": {"roles": ["customer"]}})

viewer := token({"sub": "v-1", "realm_access": {"roles": ["viewer"]}})

request(source, method, path, headers) := {
	"attributes": {
		"source": {"principal": source},
		"request": {"http": {"method": method, "path": path, "headers": headers}},
	},
	"parsed_path": [segment | some segment in split(trim_left(path, "/"), "/")],
}

allowed(source, method, path, headers) if {
	authz.allow with input as request(source, method, path, headers)
}

test_allows_get_for_a_signed_in_user if {
	allowed(gateway, "GET", "/v1/orders/42", {"authorization": concat(" ", ["Bearer", viewer])})
}

test_allows_get_for_a_declared_workload if {
	allowed("spiffe://cluster.local/ns/fulfillment/sa/shipments", "GET", "/v1/orders/42", {})
}

test_allows_post_for_a_customer if {
	allowed(gateway, "POST", "/v1/orders", {"authorization": concat(" ", ["Bearer", customer])})
}

test_denies_get_from_the_gateway_without_a_token if {
	not allowed(gateway, "GET", "/v1/orders/42", {})
}

test_denies_post_without_the_customer_role if {
	not allowed(gateway, "POST", "/v1/orders", {"authorization": concat(" ", ["Bearer", viewer])})
}

test_denies_a_token_that_did_not_come_through_the_gateway if {
	not allowed("spiffe://cluster.local/ns/fulfillment/sa/shipments", "POST", "/v1/orders", {"authorization": concat(" ", ["Bearer", customer])})
}

test_denies_post_to_another_path if {
	not allowed(gateway, "POST", "/v1/orders/42/refund", {"authorization": concat(" ", ["Bearer", customer])})
}

test_denies_delete_even_for_a_customer if {
	not allowed(gateway, "DELETE", "/v1/orders/42", {"authorization": concat(" ", ["Bearer", customer])})
}

test_denies_a_request_without_a_mesh_identity if {
	not allowed("", "GET", "/v1/orders/42", {})
}
