package trace

import (
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSpecBuild: the one reading of a trace's words, for the CLI's flags and the ui's form.
func TestSpecBuild(t *testing.T) {
	conn, req, err := Spec{To: "10.96.0.10:9080", Headers: []string{":authority: reviews", "X-User: jason", ":method: POST"},
		Source: "10.244.0.7:41234", Random: "75"}.Build()
	require.NoError(t, err)
	assert.Equal(t, netip.MustParseAddr("10.96.0.10"), conn.DestIP)
	assert.Equal(t, uint32(9080), conn.DestPort)
	assert.Equal(t, netip.MustParseAddr("10.244.0.7"), conn.SourceIP)
	assert.Equal(t, uint32(41234), conn.SourcePort)
	assert.Equal(t, &Request{Authority: "reviews", Path: "/", Method: "POST", Headers: []Header{{Name: "x-user", Value: "jason"}},
		RandomValue: 75, RandomSet: true}, req)

	conn, req, err = Spec{To: "[::ffff:10.0.0.1]:443", TCP: true, TLS: true, SNI: "a.com"}.Build()
	require.NoError(t, err)
	assert.Nil(t, req, "a TCP trace has no request")
	assert.Equal(t, netip.MustParseAddr("10.0.0.1"), conn.DestIP, "IPv4-mapped addresses are unmapped")

	flags := func(f string) string { return "--" + f }
	for _, tc := range []struct {
		spec  Spec
		field string
		want  string
	}{
		{Spec{}, "to", "give --to, the ip:port the connection goes to (e.g. 10.96.0.10:9080)"},
		{Spec{To: "reviews:9080"}, "to", `--to "reviews:9080" is not an ip:port (e.g. 10.96.0.10:9080, [fd00::1]:443)`},
		{Spec{To: "1.2.3.4:80", Inbound: true, Listener: "x"}, "inbound", "--inbound enters virtualInbound; --listener names another: give one of them"},
		{Spec{To: "1.2.3.4:80", SNI: "a.com"}, "sni", "--sni is the server name of a TLS handshake: add --tls"},
		{Spec{To: "1.2.3.4:80", Source: "pod-a"}, "source", `--source "pod-a" is not an ip or ip:port (e.g. 10.244.0.7, 10.244.0.7:41234)`},
		{Spec{To: "1.2.3.4:80", Random: "-1"}, "random-value", `--random-value "-1" is not a whole number from 0 to 18446744073709551615`},
		{Spec{To: "1.2.3.4:80", TCP: true, Headers: []string{"a: b"}}, "header", "--tcp traces a connection that is not HTTP: leave out --header"},
		{Spec{To: "1.2.3.4:80", Path: "x"}, "path", `--path "x" does not start with /`},
		{Spec{To: "1.2.3.4:80", Headers: []string{"no colon"}}, "header", `--header "no colon" is not 'name: value'`},
		{Spec{To: "1.2.3.4:80", Headers: []string{"a b: c"}}, "header", `--header "a b: c" is not 'name: value'`},
	} {
		_, _, err := tc.spec.Build()
		var se *SpecError
		require.ErrorAs(t, err, &se, tc.want)
		assert.Equal(t, tc.field, se.Field)
		assert.Equal(t, tc.want, se.Say(flags))
	}
}
