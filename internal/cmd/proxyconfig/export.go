package proxyconfig

// DemoInputs is the example proxy of --demo, for other commands that offer it (trace).
func DemoInputs(paths ...string) []Input { return demoInputs(paths) }
