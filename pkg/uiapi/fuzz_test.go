package uiapi

import (
	"os"
	"testing"
)

// FuzzAPI: whatever the dump, New fails cleanly or every view answers without panicking.
func FuzzAPI(f *testing.F) {
	for _, d := range dumps {
		data, err := os.ReadFile(d.dump)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data, []byte(nil))
	}
	f.Add([]byte(`{"configs":[{"@type":"type.googleapis.com/envoy.admin.v3.RoutesConfigDump","dynamic_route_configs":[{"route_config":{"name":"r","virtual_hosts":[{"name":"v","routes":[{"route":{"weighted_clusters":{"clusters":[{"name":"c","weight":"x"}]}}}]}]}}]}]}`), []byte(`{"cluster_statuses":[{"name":"c","host_statuses":[{}]}]}`))
	f.Fuzz(func(t *testing.T, dump, clusters []byte) {
		a, err := New(Source{Name: "fuzz", Dump: dump, Clusters: clusters})
		if err != nil {
			return
		}
		_ = a.Overview()
		for i, l := range a.Listeners().Listeners {
			if i == 20 {
				break
			}
			_, _ = a.Listener(l.Name)
			_, _ = a.Resource(KindListener, l.Name)
		}
		for i := range a.routes {
			if i == 20 {
				break
			}
			_, _ = a.RouteConfig(a.routes[i].Name)
			_, _ = a.Resource(KindRouteConfig, a.routes[i].Name)
		}
		for i := range a.clusters {
			if i == 20 {
				break
			}
			_, _ = a.Cluster(a.clusters[i].Name)
			_, _ = a.Resource(KindCluster, a.clusters[i].Name)
		}
		_ = a.Search("1")
	})
}
