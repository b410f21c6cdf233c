# Runs the rules over a set of manifests the way Gatekeeper runs them over admission requests, so
# `syskit validate` reports before apply what the cluster would report after it. policies/evaluate.ts
# passes, in one `opa eval`:
#
#   input.objects  every manifest of one environment
#   input.rules    [{"name", "package", "match", "parameters", "referential"}]: each rule's Rego
#                  package under data.syskit.rules, its Constraint's spec.match and spec.parameters,
#                  and whether it reads data.inventory
#   input.synced   [{"group", "version", "kind"}]: the kinds Gatekeeper's Config syncs
#
# and reads `violations`. For several environments in one run (OPA parses and compiles the Rego
# once), it passes `input.environments`, {name: {"objects", "rules", "synced"}}, and reads
# `by_environment`: each environment's violations, evaluated as if it were the whole input, so
# one environment's objects never reach another's rules or inventory.
package syskit.driver

import data.lib.syskit.kubernetes

violations contains violation if {
	some rule in input.rules
	some obj in candidates(object.get(rule.match, "kinds", []))
	selects(rule.match, obj)
	review := {"review": review_of(obj), "parameters": object.get(rule, "parameters", {})}
	some result in results(rule, review)
	violation := {
		"rule": rule.name,
		"kind": obj.kind,
		"namespace": namespace_of(obj),
		"name": obj.metadata.name,
		"message": result.msg,
	}
}

by_environment[name] := found if {
	some name, environment in input.environments
	found := violations with input as environment
}

# Replacing data.inventory costs time on every evaluation, so only the rules that read it get it.
results(rule, review) := found if {
	rule.referential
	inv := inventory
	found := data.syskit.rules[rule.package].violation with input as review with data.inventory as inv
} else := found if {
	found := data.syskit.rules[rule.package].violation with input as review
}

# The fields of Gatekeeper's input.review that the rules may read.
review_of(obj) := {
	"object": obj,
	"kind": {"group": group_of(obj), "version": version_of(obj), "kind": obj.kind},
	"name": obj.metadata.name,
	"namespace": namespace_of(obj),
	"operation": "CREATE",
}

group_of(obj) := group if {
	[group, _] := split(obj.apiVersion, "/")
} else := ""

version_of(obj) := version if {
	[_, version] := split(obj.apiVersion, "/")
} else := obj.apiVersion

namespace_of(obj) := object.get(obj.metadata, "namespace", "")

# data.inventory as Gatekeeper fills it with the objects of the kinds its Config syncs:
# cluster[groupVersion][kind][name] and namespace[namespace][groupVersion][kind][name].
inventory := {
	"cluster": by_group_version([obj | some obj in synced_objects; namespace_of(obj) == ""]),
	"namespace": {ns: by_group_version([obj | some obj in synced_objects; namespace_of(obj) == ns]) |
		some ns in ({namespace_of(obj) | some obj in synced_objects} - {""})
	},
}

synced_objects := [obj |
	some obj in input.objects
	some synced in input.synced
	synced.kind == obj.kind
	synced.group == group_of(obj)
	synced.version == version_of(obj)
]

by_group_version(objs) := {gv: by_kind(objs, gv) | some gv in {obj.apiVersion | some obj in objs}}

by_kind(objs, gv) := {kind: {obj.metadata.name: obj | some obj in objs; obj.apiVersion == gv; obj.kind == kind} |
	some kind in {obj.kind | some obj in objs; obj.apiVersion == gv}
}

# candidates(kinds) are the objects a spec.match.kinds may select: those of the kinds it names, found
# by kind instead of trying every rule on every object; every object when it names none or "*".
# selects(match, obj) still decides.
candidates(kinds) := input.objects if {
	count(kinds) == 0
} else := input.objects if {
	some selector in kinds
	"*" in selector.kinds
} else := [obj |
	index := objects_by_kind
	some kind in {kind | some selector in kinds; some kind in selector.kinds}
	some obj in index[kind]
]

# One pass over the objects per kind present (a few dozen), not one per object.
objects_by_kind := {kind: [obj | some obj in input.objects; obj.kind == kind] |
	some kind in {obj.kind | some obj in input.objects}
}

# selects(match, obj) mirrors Gatekeeper's spec.match for the fields syskit's constraints use
# (policies/evaluate.ts refuses the others): kinds, scope, labelSelector and namespaceSelector.
selects(match, obj) if {
	kinds_match(object.get(match, "kinds", []), obj)
	scope_matches(object.get(match, "scope", "*"), obj)
	kubernetes.selector_matches(object.get(match, "labelSelector", {}), kubernetes.labels(obj))
	namespace_selector_matches(match, obj)
}

kinds_match(kinds, _) if count(kinds) == 0

kinds_match(kinds, obj) if {
	some selector in kinds
	some group in selector.apiGroups
	group in {"*", group_of(obj)}
	some kind in selector.kinds
	kind in {"*", obj.kind}
}

scope_matches("*", _)

scope_matches("Cluster", obj) if namespace_of(obj) == ""

scope_matches("Namespaced", obj) if namespace_of(obj) != ""

# As in Gatekeeper: cluster-scoped objects other than Namespaces always pass namespaceSelector, and a
# Namespace is tested against its own labels.
namespace_selector_matches(match, _) if not match.namespaceSelector

namespace_selector_matches(match, obj) if {
	namespace_of(obj) == ""
	obj.kind != "Namespace"
	match.namespaceSelector
}

namespace_selector_matches(match, obj) if {
	obj.kind == "Namespace"
	kubernetes.selector_matches(match.namespaceSelector, kubernetes.labels(obj))
}

namespace_selector_matches(match, obj) if {
	namespace_of(obj) != ""
	kubernetes.selector_matches(match.namespaceSelector, namespace_labels(namespace_of(obj), obj))
}

# The labels of an object's Namespace: from the Namespace among the manifests, or, when the manifests
# do not include it, from syskit's convention that an object labelled syskit.io/system lives in that
# system's namespace.
namespace_labels(ns, _) := declared_namespaces[ns]

namespace_labels(ns, obj) := {"syskit.io/system": system} if {
	not declared_namespaces[ns]
	system := kubernetes.labels(obj)["syskit.io/system"]
}

namespace_labels(ns, obj) := {} if {
	not declared_namespaces[ns]
	not kubernetes.labels(obj)["syskit.io/system"]
}

declared_namespaces := {obj.metadata.name: kubernetes.labels(obj) | some obj in input.objects; obj.kind == "Namespace"}
