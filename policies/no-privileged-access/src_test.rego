package syskit.rules.no_privileged_access_test

import data.syskit.rules.no_privileged_access

pod(spec) := {"kind": "Pod", "metadata": {"name": "orders", "namespace": "shop"}, "spec": spec}

violations(obj) := result if {
	result := no_privileged_access.violation with input as {"review": {"object": obj}}
}

test_allows_a_sandboxed_pod if {
	spec := {"hostNetwork": false, "containers": [{"name": "app", "securityContext": {"privileged": false}}], "volumes": [{"name": "tmp", "emptyDir": {}}]}
	count(violations(pod(spec))) == 0
}

test_denies_a_privileged_init_container if {
	spec := {"containers": [{"name": "app"}], "initContainers": [{"name": "setup", "securityContext": {"privileged": true}}]}
	violations(pod(spec)) == {{"msg": `Pod shop/orders: initContainer "setup" must not run privileged`}}
}

test_denies_each_host_namespace if {
	spec := {"hostNetwork": true, "hostPID": true, "hostIPC": true, "containers": [{"name": "app"}]}
	violations(pod(spec)) == {
		{"msg": "Pod shop/orders must not set hostNetwork"},
		{"msg": "Pod shop/orders must not set hostPID"},
		{"msg": "Pod shop/orders must not set hostIPC"},
	}
}

test_denies_a_host_path_volume_in_a_daemonset if {
	obj := {"kind": "DaemonSet", "metadata": {"name": "agent", "namespace": "shop"}, "spec": {"template": {"spec": {"containers": [{"name": "agent"}], "volumes": [{"name": "logs", "hostPath": {"path": "/var/log"}}]}}}}
	violations(obj) == {{"msg": `DaemonSet shop/agent: volume "logs" must not be a hostPath volume`}}
}
