package syskit.rules.container_resources_test

import data.syskit.rules.container_resources

full := {"requests": {"cpu": "50m", "memory": "64Mi"}, "limits": {"cpu": "250m", "memory": "256Mi"}}

job(containers, init_containers) := {
	"kind": "Job",
	"metadata": {"name": "migrate", "namespace": "shop"},
	"spec": {"template": {"spec": {"containers": containers, "initContainers": init_containers}}},
}

violations(obj) := result if {
	result := container_resources.violation with input as {"review": {"object": obj}, "parameters": {}}
}

test_allows_requests_and_limits_everywhere if {
	count(violations(job([{"name": "app", "resources": full}], [{"name": "init", "resources": full}]))) == 0
}

test_denies_missing_resources_naming_each if {
	partial := {"requests": {"cpu": "50m"}, "limits": {"memory": "256Mi"}}
	violations(job([{"name": "app", "resources": partial}], [])) == {{"msg": `Job shop/migrate: container "app" has no resources requests.memory, limits.cpu`}}
}

test_denies_an_init_container_without_resources if {
	violations(job([{"name": "app", "resources": full}], [{"name": "wait"}])) == {{"msg": `Job shop/migrate: initContainer "wait" has no resources requests.cpu, requests.memory, limits.cpu, limits.memory`}}
}

test_does_not_ask_ephemeral_containers_for_resources if {
	obj := {"kind": "Pod", "metadata": {"name": "p", "namespace": "shop"}, "spec": {"containers": [{"name": "app", "resources": full}], "ephemeralContainers": [{"name": "debug"}]}}
	count(violations(obj)) == 0
}

test_denies_a_cronjob_reading_its_pod_template if {
	obj := {"kind": "CronJob", "metadata": {"name": "report", "namespace": "shop"}, "spec": {"jobTemplate": {"spec": {"template": {"spec": {"containers": [{"name": "app"}]}}}}}}
	count(violations(obj)) == 1
}
