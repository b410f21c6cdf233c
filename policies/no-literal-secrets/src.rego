package syskit.rules.no_literal_secrets

import data.lib.syskit.kubernetes

# Secret values reach workloads through Vault Agent injection, never through a manifest: a Secret with
# literal data in Git or in a synthesized file is a leaked secret. Types that controllers fill in
# themselves (service-account tokens, cert-manager's TLS keys) are allowed by parameter.
violation contains {"msg": msg} if {
	obj := input.review.object
	obj.kind == "Secret"
	secret_type := object.get(obj, "type", "Opaque")
	not secret_type in object.get(input, ["parameters", "allowedTypes"], [])
	keys := {key | some field in ["data", "stringData"]; some key, _ in object.get(obj, field, {})}
	count(keys) > 0
	msg := sprintf("%s of type %q must not carry literal data (keys: %s); deliver secrets through Vault", [
		kubernetes.describe(obj),
		secret_type,
		concat(", ", sort(keys)),
	])
}
