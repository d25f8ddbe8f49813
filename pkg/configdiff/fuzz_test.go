package configdiff

import (
	"encoding/json"
	"testing"
)

// Compare and the binary decoding must never panic, whatever they are given.

func FuzzCompare(f *testing.F) {
	cl := `{"configs":[{"@type":"type.googleapis.com/envoy.admin.v3.ClustersConfigDump","dynamic_active_clusters":[{"cluster":{"@type":"type.googleapis.com/envoy.config.cluster.v3.Cluster","name":"c","connect_timeout":"1s","lb_policy":2}}]}]}`
	rc := `{"configs":[{"@type":"type.googleapis.com/envoy.admin.v3.RoutesConfigDump","dynamic_route_configs":[{"route_config":{"name":"r","virtual_hosts":[{"name":"a","domains":["b","a"]},{"name":"b"}]}}]}]}`
	f.Add([]byte(cl), []byte(cl))
	f.Add([]byte(rc), []byte(cl))
	f.Add([]byte(`{"configs":[]}`), []byte(`{"configs":{"clusters":{"dynamic_active_clusters":[1,null,{"cluster":[]}]}}}`))
	f.Add([]byte(`{"configs":[{"@type":"x.ListenersConfigDump","dynamic_listeners":[{"name":"l","warming_state":{"listener":{"@type":"type.googleapis.com/google.protobuf.Duration","value":"1.5s"}}}]}]}`), []byte(`{`))
	f.Fuzz(func(t *testing.T, a, b []byte) {
		r, err := Compare(a, b, Options{Opaque: []string{"type.googleapis.com/x.Y"}})
		if err == nil {
			_ = r.WriteText(discard{}, true)
		}
	})
}

func FuzzDumpFromSections(f *testing.F) {
	f.Add("type.googleapis.com/envoy.admin.v3.ClustersConfigDump", []byte{0x1a, 0x02, 0x12, 0x00})
	f.Add("type.googleapis.com/envoy.admin.v3.ListenersConfigDump", []byte{0x1a, 0x04, 0x0a, 0x02, 'l', '1'})
	f.Add("type.googleapis.com/unknown.T", []byte{0xff})
	f.Fuzz(func(t *testing.T, url string, value []byte) {
		d, err := DumpFromSections([]Section{{TypeURL: url, Value: value}})
		if err == nil {
			_, _ = Compare(d.Dump, d.Dump, Options{Opaque: d.Opaque})
		}
		_, _ = DumpFromSent([]Sent{{TypeURL: url, Name: "n", Binary: value}}, []string{url})
	})
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// FuzzDiff: Diff never panics, a dump diffed with itself is equal, and whatever it reports can be
// written in every form.
func FuzzDiff(f *testing.F) {
	cl := `{"configs":[{"@type":"type.googleapis.com/envoy.admin.v3.ClustersConfigDump","dynamic_active_clusters":[{"cluster":{"@type":"type.googleapis.com/envoy.config.cluster.v3.Cluster","name":"c","connect_timeout":"1s","lb_policy":2}}]}]}`
	boot := `{"configs":[{"@type":"type.googleapis.com/envoy.admin.v3.BootstrapConfigDump","bootstrap":{"node":{"id":"sidecar~10.1.2.3~p-1.ns~ns.svc","metadata":{"INSTANCE_IPS":"10.1.2.3,fd00::1"}},"static_resources":{"clusters":[{"name":"x"}]}}},` +
		`{"@type":"type.googleapis.com/envoy.admin.v3.ListenersConfigDump","dynamic_listeners":[{"name":"10.1.2.3_15006","active_state":{"listener":{"name":"10.1.2.3_15006","filter_chains":[{"name":"a"},{"name":"a"}]}}}]}]}`
	f.Add([]byte(cl), []byte(cl), "metadata", true)
	f.Add([]byte(boot), []byte(cl), "**.name", false)
	f.Add([]byte(`{"cluster":{"name":"c"}}`), []byte(`{"dynamic_active_clusters":[{"cluster":{"name":"c","x":[1,{"@type":"y"}]}}]}`), "clusters:*", true)
	f.Add([]byte(`{"configs":[]}`), []byte(`{"configs":{"clusters":{"dynamic_active_clusters":[1,null,{"cluster":[]}]}}}`), "", false)
	f.Fuzz(func(t *testing.T, a, b []byte, ignore string, pod bool) {
		var ig []string
		if ignore != "" {
			ig = []string{ignore}
		}
		o := DiffOptions{Ignore: ig, NormalizePod: pod}
		r, err := Diff(Input{Name: "a", Dump: a}, Input{Name: "b", Dump: b}, o)
		if err != nil {
			return
		}
		_ = r.WriteText(discard{}, WriteOptions{Color: true})
		_ = r.WriteStat(discard{}, WriteOptions{})
		if _, err := json.Marshal(r); err != nil {
			t.Fatalf("report does not encode: %v", err)
		}
		self, err := Diff(Input{Name: "a", Dump: a}, Input{Name: "a2", Dump: a}, o)
		if err != nil {
			t.Fatalf("a diffed with itself fails: %v", err)
		}
		if !self.Equal {
			t.Fatalf("a differs from itself: %+v", self.Changes)
		}
	})
}
