package uiapi

import (
	"errors"
	"net/url"
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
			_, _ = a.ListenerPage(l.Name, Page{Offset: 1, Limit: 2})
			_, _ = a.Resource(KindListener, l.Name)
		}
		for i := range a.inline {
			if i == 20 {
				break
			}
			key := a.inline[i].rc.Name
			if rc, err := a.RouteConfigPage(key, Page{Offset: 1}); err == nil && len(rc.VirtualHosts) > 0 {
				_, _ = a.VirtualHostPage(key, rc.VirtualHosts[0].Name, Page{Offset: 1})
			}
			_, _ = a.Resource(KindRouteConfig, key)
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
		_ = a.Search("/") // every route with a path
		// Findings and traces over any dump are left to pkg/analyze's and pkg/trace's fuzz
		// targets: under -fuzz's instrumentation, running them here took this target from about
		// 60 000 inputs in 15 s to 7.
	})
}

// FuzzTrace: whatever the page's trace query, it is answered (or refused as a bad request)
// without panicking.
func FuzzTrace(f *testing.F) {
	a, err := New(Source{Name: "demo", Dump: mustRead(f, dumps[0].dump), Clusters: mustRead(f, dumps[0].clusters)})
	if err != nil {
		f.Fatal(err)
	}
	for _, q := range []string{
		"to=10.96.0.10:9080&host=reviews&path=/",
		"to=10.244.0.5:15090&path=/nope",
		"to=10.96.0.10:9080&tcp=1",
		"to=[fd00::1]:443&tls=1&sni=a.example",
		"to=10.244.0.194:9080&inbound=1&header=:authority:%20x&header=end-user:%20jason&method=POST",
		"to=10.96.0.10:9080&host=reviews&random-value=75&source=10.244.0.7:4000&alpn=h2,http/1.1",
		"to=10.96.0.10:9080&listener=0.0.0.0_9080",
	} {
		f.Add(q)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		ans, err := a.Trace(ParseTraceQuery(v))
		if err != nil {
			if !errors.Is(err, ErrBadRequest) {
				t.Fatalf("%q: %v", raw, err)
			}
			return
		}
		if ans.Result == nil || ans.Steps == nil {
			t.Fatalf("%q: no result", raw)
		}
	})
}

func mustRead(f *testing.F, path string) []byte {
	b, err := os.ReadFile(path)
	if err != nil {
		f.Fatal(err)
	}
	return b
}
