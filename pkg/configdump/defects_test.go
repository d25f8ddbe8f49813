package configdump

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Defects seen on real dumps (issue 11 §4), each pinned by a test.

// TestForeignSectionNotTakenForEnvoys: aeraki's meta protocol proxy writes a section of type
// aeraki.meta_protocol_proxy.admin.v1alpha.RoutesConfigDump before Envoy's own. Sections are
// matched by their full type name, so Envoy's routes are shown and aeraki's section is kept as an
// unknown one, with a warning.
func TestForeignSectionNotTakenForEnvoys(t *testing.T) {
	dump := []byte(`{"configs":[
 {"@type":"type.googleapis.com/aeraki.meta_protocol_proxy.admin.v1alpha.RoutesConfigDump","dynamic_route_configs":[{"route_config":{"name":"aeraki-route"}}]},
 {"@type":"type.googleapis.com/envoy.admin.v3.RoutesConfigDump","dynamic_route_configs":[{"route_config":{"@type":"type.googleapis.com/envoy.config.route.v3.RouteConfiguration","name":"9080","virtual_hosts":[{"name":"a","domains":["*"],"routes":[{"match":{"prefix":"/"},"route":{"cluster":"c"}}]}]}}]}
]}`)
	d, err := Parse(dump)
	require.NoError(t, err)
	rs, err := d.Routes()
	require.NoError(t, err)
	require.Len(t, rs, 1)
	assert.Equal(t, "9080", rs[0].Name)

	all := d.AllSections()
	require.Len(t, all, 2, "the foreign section is kept")
	assert.Equal(t, SectionUnknown, all[0].Kind)
	assert.Equal(t, []string{`config dump section "type.googleapis.com/aeraki.meta_protocol_proxy.admin.v1alpha.RoutesConfigDump" is not known to xdsctl; it is kept in -o json/yaml of 'all'`}, d.Warnings.List())

	for _, tt := range []struct {
		typeURL string
		want    SectionKind
	}{
		{"type.googleapis.com/envoy.admin.v3.RoutesConfigDump", SectionRoutes},
		{"type.googleapis.com/envoy.admin.v2alpha.ClustersConfigDump", SectionClusters},
		{"envoy.admin.v3.ListenersConfigDump", SectionListeners},
		{"type.googleapis.com/aeraki.meta_protocol_proxy.admin.v1alpha.RoutesConfigDump", SectionUnknown},
		{"type.googleapis.com/x.RoutesConfigDump", SectionUnknown},
		{"type.googleapis.com/envoy.admin.v3.RoutesConfig", SectionUnknown},
		{"RoutesConfigDump", SectionUnknown},
	} {
		assert.Equal(t, tt.want, sectionKind(tt.typeURL, ""), tt.typeURL)
	}

	// a foreign section saved alone is not read as Envoy's either
	_, err = ParseLenient([]byte(`{"@type":"type.googleapis.com/aeraki.meta_protocol_proxy.admin.v1alpha.RoutesConfigDump","dynamic_route_configs":[]}`))
	require.Error(t, err)
}

// TestTCPProxyRecognisedByType: OSM names its TCP proxy filter "tcp_proxy" rather than Envoy's
// well-known name; the filter is recognised by its typed_config's type, so the chain is TCP with
// its cluster (istioctl, which goes by name, prints Non-HTTP/Non-TCP: see docs/parity.md). A filter
// with the HCM's type under another name is HTTP alike.
func TestTCPProxyRecognisedByType(t *testing.T) {
	dump := []byte(`{"configs":[{"@type":"type.googleapis.com/envoy.admin.v3.ListenersConfigDump","dynamic_listeners":[
 {"name":"outbound-listener","active_state":{"listener":{"name":"outbound-listener","address":{"socket_address":{"address":"0.0.0.0","port_value":15001}},"filter_chains":[
  {"name":"outbound_bookstore_tcp","filters":[{"name":"tcp_proxy","typed_config":{"@type":"type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy","stat_prefix":"s","cluster":"bookstore/bookstore-v1|14001"}}]},
  {"name":"outbound_http","filters":[{"name":"http_connection_manager","typed_config":{"@type":"type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager","rds":{"route_config_name":"rds-outbound"}}}]}
 ]}}}]}]}`)
	d, err := Parse(dump)
	require.NoError(t, err)
	ls, err := d.Listeners()
	require.NoError(t, err)
	require.Len(t, ls, 1)
	require.Len(t, ls[0].FilterChains, 2)
	assert.Equal(t, "Cluster: bookstore/bookstore-v1|14001", ls[0].FilterChains[0].Destination)
	assert.Equal(t, "Route: rds-outbound", ls[0].FilterChains[1].Destination)
}
