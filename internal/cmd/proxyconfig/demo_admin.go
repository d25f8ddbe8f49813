package proxyconfig

// DemoAdmin returns the --demo proxy's /config_dump?include_eds and /clusters?format=json, for
// the other commands that offer --demo (xdsctl ui).
func DemoAdmin() (configDump, clusters []byte) { return demoConfigDump, demoClusters }
