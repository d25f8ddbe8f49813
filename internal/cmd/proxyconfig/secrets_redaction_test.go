package proxyconfig_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The fixtures hide nine secrets: a private key in a bootstrap's static secret, inline key bytes
// and a password in a bootstrap cluster's TLS context, a private key in a static SDS secret, a
// generic secret, session ticket keys, a private key in a vendor filter xdsctl does not know, in
// an Envoy message nested in it, and a password in a TypedStruct.
var (
	redactionFixtures = []string{"../../../pkg/configdump/testdata/inputs/secrets-snake.json", "../../../pkg/configdump/testdata/inputs/secrets-camel.json"}
	hiddenSecrets     = []string{"BOOTSTRAPKEY", "VVBTVFJFQU1LRVk=", "UPSTREAMPASSWORD", "STATICSECRETKEY",
		"GENERICSECRET", "VElDS0VUS0VZMQ==", "VENDORKEY", "NESTEDKEY", "WASMPASSWORD"}
)

// TestSecretsRedactedInEveryOutput runs every view in every output on the fixtures: no secret
// appears unless --show-secrets, and with it the views that print the resources show them all.
func TestSecretsRedactedInEveryOutput(t *testing.T) {
	outputs := [][]string{{}, {"-o", "wide"}, {"-o", "json"}, {"-o", "yaml"}, {"--jq", "."}}
	for _, fixture := range redactionFixtures {
		for _, view := range viewsOf(t) {
			for _, out := range outputs {
				for _, show := range []bool{false, true} {
					args := append([]string{"pc", view, "-f", fixture}, out...)
					if show {
						args = append(args, "--show-secrets")
					}
					name := strings.Join(args[1:], " ")
					t.Run(name, func(t *testing.T) {
						r := runXdsctl(t, nil, args...)
						if r.code != 0 {
							// views whose section the fixture lacks
							require.Contains(t, r.stderr, "the dump has no", r.stderr)
							require.Empty(t, r.stdout)
							return
						}
						for _, s := range hiddenSecrets {
							if !show {
								assert.NotContains(t, r.stdout, s)
							}
							assert.NotContains(t, r.stderr, s)
						}
					})
				}
			}
		}
	}
	// with --show-secrets the whole dump shows every one of them
	for _, fixture := range redactionFixtures {
		for _, out := range []string{"json", "yaml"} {
			r := runXdsctl(t, nil, "pc", "all", "-f", fixture, "-o", out, "--show-secrets")
			require.Equal(t, 0, r.code, r.stderr)
			for _, s := range hiddenSecrets {
				assert.Contains(t, r.stdout, s, "%s -o %s --show-secrets", fixture, out)
			}
			r = runXdsctl(t, nil, "pc", "all", "-f", fixture, "-o", out)
			require.Equal(t, 0, r.code, r.stderr)
			assert.Equal(t, len(hiddenSecrets), strings.Count(r.stdout, "[redacted]"), "%s -o %s: one [redacted] per secret", fixture, out)
		}
	}
}

// TestUnknownTypeKeptWithOneWarning: a filter of a type xdsctl does not know is printed as it came
// in JSON and YAML, the table still shows the listener, and stderr names the type once.
func TestUnknownTypeKeptWithOneWarning(t *testing.T) {
	warning := "Warning: type type.googleapis.com/acme.vendor.v1.Filter is not known to xdsctl; its content is shown as it came\n"
	for _, fixture := range redactionFixtures {
		r := runXdsctl(t, nil, "pc", "listeners", "-f", fixture, "-o", "json")
		require.Equal(t, 0, r.code, r.stderr)
		assert.Contains(t, r.stdout, `"@type": "type.googleapis.com/acme.vendor.v1.Filter",
              "mode": "STRICT",
              "retries": 3,`)
		assert.Equal(t, 1, strings.Count(r.stderr, warning), r.stderr)

		r = runXdsctl(t, nil, "pc", "all", "-f", fixture, "-o", "yaml")
		require.Equal(t, 0, r.code, r.stderr)
		assert.Contains(t, r.stdout, "mode: STRICT")
		assert.Equal(t, 1, strings.Count(r.stderr, warning), r.stderr)

		r = runXdsctl(t, nil, "pc", "listeners", "-f", fixture)
		require.Equal(t, 0, r.code, r.stderr)
		assert.Equal(t, "ADDRESSES PORT MATCH DESTINATION\n0.0.0.0   8443 ALL   Cluster: outbound|8443||svc.default.svc.cluster.local\n", r.stdout)
	}
}
