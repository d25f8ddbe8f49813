package main

import "fmt"

// serverInfo is /server_info as Envoy answers it: its build version string
// (<sha>/<version>[-label]/<status>/<type>/<ssl>, the same build as the node's
// user_agent_build_version), state, uptime (here: 30 minutes after the capture) and the command
// line pilot-agent started it with.
func serverInfo(node *obj) *obj {
	version := fmt.Sprintf("%s/%d.%d.%d-dev/Clean/RELEASE/BoringSSL", proxySHA, envoyMajor, envoyMinor, envoyPatch)
	return o(
		"version", version,
		"state", "LIVE",
		"hot_restart_version", "disabled",
		"command_line_options", o(
			"base_id", "0", "concurrency", 2, "config_path", "etc/istio/proxy/envoy-rev.json",
			"local_address_ip_version", "v4", "log_level", "warning", "component_log_level", "misc:error",
			"log_format", "%Y-%m-%dT%T.%fZ\t%l\tenvoy %n %g:%#\t%v\tthread=%t", "restart_epoch", 0,
			"service_cluster", atStr(node, "cluster"), "service_node", atStr(node, "id"),
			"file_flush_interval", "1s", "drain_time", "45s", "drain_strategy", "Immediate",
			"parent_shutdown_time", "60s", "mode", "Serve", "disable_hot_restart", true,
			"allow_unknown_static_fields", true, "skip_deprecated_logs", true),
		"uptime_current_epoch", "1800s",
		"uptime_all_epochs", "1800s",
		"node", clone(node),
	)
}
