package validate_test

import (
	"fmt"

	"github.com/xdsctl/xdsctl/pkg/validate"
)

func ExampleJSON() {
	cluster := []byte(`{"name": "backend", "connectTimeout": "0s", "lb_policy": "ROUND_ROBBIN",
		"transport_socket": {"name": "acme", "typed_config": {"@type": "type.googleapis.com/acme.Socket"}}}`)
	for _, p := range validate.JSON("envoy.config.cluster.v3.Cluster", cluster) {
		fmt.Printf("%s (%s): %s\n", p.Severity, p.Kind, p)
	}
	// Output:
	// error (json): lb_policy: invalid value "ROUND_ROBBIN" for enum envoy.config.cluster.v3.Cluster.LbPolicy
	// info (unknown-type): transport_socket.typed_config: unknown extension type acme.Socket: not checked (Envoy accepts it only if built with that extension)
	// error (rule): connect_timeout: value must be greater than 0s
}
