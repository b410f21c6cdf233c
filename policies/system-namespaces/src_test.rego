package syskit.rules.system_namespaces_test

import data.syskit.rules.system_namespaces

namespace(labels, annotations) := {"kind": "Namespace", "metadata": {"name": "shop", "labels": labels, "annotations": annotations}}

violations(obj, mesh) := result if {
	result := system_namespaces.violation with input as {"review": {"object": obj}, "parameters": {"mesh": mesh}}
}

restricted := {"syskit.io/system": "shop", "pod-security.kubernetes.io/enforce": "restricted"}

test_allows_restricted_with_istio_injection if {
	count(violations(namespace(object.union(restricted, {"istio-injection": "enabled"}), {}), "istio")) == 0
}

test_allows_restricted_with_linkerd_injection if {
	count(violations(namespace(restricted, {"linkerd.io/inject": "enabled"}), "linkerd")) == 0
}

test_denies_a_weaker_pod_security_level if {
	labels := {"syskit.io/system": "shop", "pod-security.kubernetes.io/enforce": "baseline", "istio-injection": "enabled"}
	violations(namespace(labels, {}), "istio") == {{"msg": `Namespace shop must have label pod-security.kubernetes.io/enforce: restricted, got "baseline"`}}
}

test_denies_a_missing_pod_security_label if {
	obj := {"kind": "Namespace", "metadata": {"name": "shop", "labels": {"istio-injection": "enabled"}}}
	violations(obj, "istio") == {{"msg": `Namespace shop must have label pod-security.kubernetes.io/enforce: restricted, got ""`}}
}

test_denies_the_marker_of_the_other_mesh if {
	violations(namespace(object.union(restricted, {"istio-injection": "enabled"}), {}), "linkerd") == {{"msg": "Namespace shop must enable linkerd sidecar injection with annotation linkerd.io/inject: enabled"}}
	violations(namespace(restricted, {"linkerd.io/inject": "enabled"}), "istio") == {{"msg": "Namespace shop must enable istio sidecar injection with label istio-injection: enabled"}}
}

test_denies_disabled_injection if {
	count(violations(namespace(object.union(restricted, {"istio-injection": "disabled"}), {}), "istio")) == 1
}
