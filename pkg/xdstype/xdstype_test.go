package xdstype

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestShortNames(t *testing.T) {
	for _, tt := range []struct {
		in, short string
		known     bool
		orURL     string // ShortOrURL, when not short
	}{
		{in: Cluster, short: "CDS", known: true},
		{in: "type.googleapis.com/envoy.api.v2.Cluster", short: "CDS", known: true},
		{in: "envoy.config.cluster.v3.Cluster", short: "CDS", known: true}, // no prefix
		{in: "example.com/envoy.config.cluster.v3.Cluster", short: "CDS", known: true},
		{in: Listener, short: "LDS", known: true},
		{in: "type.googleapis.com/envoy.api.v2.Listener", short: "LDS", known: true},
		{in: Endpoint, short: "EDS", known: true},
		{in: "type.googleapis.com/envoy.api.v2.ClusterLoadAssignment", short: "EDS", known: true},
		{in: Route, short: "RDS", known: true},
		{in: "type.googleapis.com/envoy.api.v2.RouteConfiguration", short: "RDS", known: true},
		{in: ExtensionConfig, short: "ECDS", known: true},
		{in: Secret, short: "SDS", known: true},
		{in: "type.googleapis.com/envoy.api.v2.auth.Secret", short: "SDS", known: true},
		{in: ScopedRoute, short: "SRDS", known: true},
		{in: "type.googleapis.com/envoy.config.route.v3.VirtualHost", short: "VHDS", known: true},
		{in: "type.googleapis.com/envoy.service.runtime.v3.Runtime", short: "RTDS", known: true},
		{in: "type.googleapis.com/envoy.config.endpoint.v3.LbEndpoint", short: "LEDS", known: true},
		{in: "type.googleapis.com/istio.workload.Address", short: "WDS", known: true},
		{in: "type.googleapis.com/istio.security.Authorization", short: "WADS", known: true},
		{in: "type.googleapis.com/example.v1.Widget", short: "Widget"},
		{in: "istio.io/debug/syncz", short: "syncz"},
		{in: "Widget", short: "Widget"},
		{in: "", short: ""},
	} {
		t.Run(tt.in, func(t *testing.T) {
			assert.Equal(t, tt.short, ShortName(tt.in))
			s, ok := Short(tt.in)
			assert.Equal(t, tt.known, ok)
			if tt.known {
				assert.Equal(t, tt.short, s)
				assert.Equal(t, tt.short, ShortOrURL(tt.in))
			} else {
				assert.Equal(t, "", s)
				assert.Equal(t, tt.in, ShortOrURL(tt.in))
			}
		})
	}
}

func TestV3URL(t *testing.T) {
	for short, url := range map[string]string{
		"CDS": Cluster, "LDS": Listener, "EDS": Endpoint, "RDS": Route, "ECDS": ExtensionConfig, "SDS": Secret, "SRDS": ScopedRoute,
		"VHDS": "", "WDS": "", "syncz": "", "": "",
	} {
		assert.Equal(t, url, V3URL(short), short)
		if url != "" {
			assert.Equal(t, short, ShortName(url), "V3URL and ShortName agree for %s", short)
		}
	}
}
