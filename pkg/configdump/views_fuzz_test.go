package configdump

import (
	"os"
	"path/filepath"
	"testing"
)

// seedViews adds the shared dumps and the state fixtures as seeds.
func seedViews(f *testing.F) {
	for _, pattern := range []string{"../../testdata/dumps/*/*.json", "testdata/*.json"} {
		files, _ := filepath.Glob(pattern)
		for _, p := range files {
			if b, err := os.ReadFile(p); err == nil && len(b) < 100<<10 {
				f.Add(b)
			}
		}
	}
	f.Add([]byte(`{"cluster_statuses":[{"name":"c","host_statuses":[{"address":{"pipe":{"path":"/s"}},"health_status":{"eds_health_status":7}}]}]}`))
	f.Add([]byte(`{"configs":[{"@type":"x.EndpointsConfigDump","dynamic_endpoint_configs":[{"endpoint_config":{"endpoints":[{"lb_endpoints":[{}]}]}}]}]}`))
}

// FuzzEndpointsInput: any input gives endpoints, a dump or an error, never a panic.
func FuzzEndpointsInput(f *testing.F) {
	seedViews(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		c, d, err := ParseEndpointsInput(data)
		if err != nil {
			return
		}
		if c != nil {
			for _, h := range c.Hosts(EndpointFilter{Port: 80, Status: "healthy"}) {
				_ = h.Endpoint()
			}
			_ = c.Selected(EndpointFilter{Address: "10.0.0.1"})
			return
		}
		las, err := d.EDS()
		if err != nil {
			return
		}
		for i := range las {
			_ = las[i].FilteredJSON(EndpointFilter{Status: "HEALTHY"})
			for _, e := range las[i].Select(EndpointFilter{Address: "10.0.0.1"}) {
				_ = e.Name()
			}
		}
	})
}

// FuzzViews: every view of ParseLenient's result either works or returns an error.
func FuzzViews(f *testing.F) {
	seedViews(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := ParseLenient(data)
		if err != nil {
			return
		}
		_, _ = d.Bootstrap()
		_, _ = d.ECDS()
		_, _ = d.EDS()
		_, _, _ = d.Secrets()
		_, _ = d.Clusters()
		_, _ = d.Listeners()
		_, _ = d.Routes()
	})
}
