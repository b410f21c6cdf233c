# Envoy external authorization for commerce's orders service. Istio's sidecar in front of orders
# sends every request to the system's OPA (opa-envoy), which answers with data.envoy.authz.allow;
# the input is Envoy's CheckRequest (input.attributes) plus input.parsed_path. Anything this
# policy does not allow is denied with 403.
package envoy.authz

# Kong's proxy: only a request it forwarded carries a token whose signature and expiry Kong's
# jwt plugin has checked. Any other workload could put any token in the header.
gateway := "spiffe://cluster.local/ns/kong/sa/kong-gateway"

default allow := false

http_request := input.attributes.request.http

source := input.attributes.source.principal

# The user's claims, read only from requests the gateway forwarded (see gateway).
claims := payload if {
	source == gateway
	[scheme, token] := split(http_request.headers.authorization, " ")
	lower(scheme) == "bearer"
	[_, payload, _] := io.jwt.decode(token)
}

# Realm roles as the identity provider (Keycloak) writes them into its tokens.
roles contains role if {
	some role in claims.realm_access.roles
}

user_authenticated if claims.sub

# A mesh workload other than the gateway: the mTLS identity is proof enough, and the mesh's
# ALLOW policy has already admitted only the callers the system declared.
workload_authenticated if {
	startswith(source, "spiffe://")
	source != gateway
}

authenticated if user_authenticated

authenticated if workload_authenticated

# Reading orders: any authenticated caller.
allow if {
	http_request.method in {"GET", "HEAD"}
	authenticated
}

# Placing an order: a signed-in customer only, never a workload on its own.
allow if {
	http_request.method == "POST"
	input.parsed_path == ["v1", "orders"]
	user_authenticated
	"customer" in roles
}
