package infer

import (
	"bytes"
	"strings"
	"time"

	"github.com/xdsctl/xdsctl/internal/jsonscan"
	"github.com/xdsctl/xdsctl/pkg/configdump"
	"github.com/xdsctl/xdsctl/pkg/status"
)

// FactsFromDump reads what a proxy's own /config_dump (ideally with ?include_eds) says about its xDS
// types, for Infer: per type the version, the dynamic resources in effect and warming, the rejected
// updates (error_state) and the newest update; whether the bootstrap subscribes to the type; and the
// node's identity. name is used when the bootstrap has no node id.
func FactsFromDump(dump []byte, name string) (ProxyFacts, error) {
	d, err := configdump.Parse(dump)
	if err != nil {
		return ProxyFacts{}, err
	}
	f := ProxyFacts{Name: name}
	boot, hasBoot := d.Section(configdump.SectionBootstrap)
	b := boot.Get("bootstrap")
	if hasBoot {
		nodeFacts(&f, b.Get("node"))
		if c := b.Get("dynamic_resources", "ads_config", "grpc_services"); c.Exists() {
			f.ControlPlane = c.Index(0).Get("envoy_grpc", "cluster_name").Str()
			if f.ControlPlane == "" {
				f.ControlPlane = c.Index(0).Get("google_grpc", "target_uri").Str()
			}
		}
	}
	sub := func(present bool) Subscription {
		switch {
		case present:
			return Subscribed
		case hasBoot:
			return NotSubscribed
		}
		return SubscriptionUnknown
	}
	clustersRaw := sectionRaw(d, configdump.SectionClusters)
	listenersRaw := sectionRaw(d, configdump.SectionListeners)
	anyRaw := append(append([]byte{}, clustersRaw...), listenersRaw...)

	cds := TypeFacts{Type: "CDS", Subscribed: sub(b.Get("dynamic_resources", "cds_config").Exists() || b.Get("dynamic_resources", "cds_resources_locator").Exists())}
	if sec, ok := d.Section(configdump.SectionClusters); ok {
		cds.Version = sec.Get("version_info").Str()
		entries(sec.Get("dynamic_active_clusters"), "cluster", &cds, false)
		entries(sec.Get("dynamic_warming_clusters"), "cluster", &cds, true)
	} else {
		cds.Subscribed = SubscriptionUnknown
	}
	lds := TypeFacts{Type: "LDS", Subscribed: sub(b.Get("dynamic_resources", "lds_config").Exists() || b.Get("dynamic_resources", "lds_resources_locator").Exists())}
	if sec, ok := d.Section(configdump.SectionListeners); ok {
		lds.Version = sec.Get("version_info").Str()
		_ = sec.Get("dynamic_listeners").Items(func(_ int, e jsonscan.Value) bool {
			name := e.Get("name").Str()
			if s := e.Get("active_state"); s.Exists() {
				lds.Dynamic++
				lds.noteTime(s.Get("last_updated").Str())
				lds.noteVersion(s.Get("version_info").Str())
			}
			if s := e.Get("warming_state"); s.Exists() {
				lds.Warming++
				lds.noteTime(s.Get("last_updated").Str())
			}
			lds.noteError(name, e.Get("error_state"))
			return true
		})
	} else {
		lds.Subscribed = SubscriptionUnknown
	}
	// RDS, EDS, SDS and ECDS are asked for by the resources that use them.
	rds := TypeFacts{Type: "RDS", Subscribed: sub(bytes.Contains(listenersRaw, []byte(`"route_config_name"`)) || bytes.Contains(listenersRaw, []byte(`"routeConfigName"`)))}
	if sec, ok := d.Section(configdump.SectionRoutes); ok {
		entries(sec.Get("dynamic_route_configs"), "route_config", &rds, false)
	} else {
		rds.Subscribed = SubscriptionUnknown // a partial dump: nothing to say
	}
	eds := TypeFacts{Type: "EDS", Subscribed: sub(bytes.Contains(clustersRaw, []byte(`"eds_cluster_config"`)) || bytes.Contains(clustersRaw, []byte(`"edsClusterConfig"`)))}
	if sec, ok := d.Section(configdump.SectionEndpoints); ok {
		entries(sec.Get("dynamic_endpoint_configs"), "endpoint_config", &eds, false)
	} else if eds.Subscribed == Subscribed {
		eds.Subscribed = SubscriptionUnknown // the dump was taken without ?include_eds
	}
	sds := TypeFacts{Type: "SDS", Subscribed: sub(bytes.Contains(anyRaw, []byte(`"sds_config"`)) || bytes.Contains(anyRaw, []byte(`"sdsConfig"`)))}
	if sec, ok := d.Section(configdump.SectionSecrets); ok {
		entries(sec.Get("dynamic_active_secrets"), "secret", &sds, false)
		entries(sec.Get("dynamic_warming_secrets"), "secret", &sds, true)
	} else {
		sds.Subscribed = SubscriptionUnknown
	}
	ecds := TypeFacts{Type: "ECDS", Subscribed: sub(bytes.Contains(listenersRaw, []byte(`"config_discovery"`)) || bytes.Contains(listenersRaw, []byte(`"configDiscovery"`)))}
	for _, sec := range d.SectionsOf(configdump.SectionEcds) {
		entries(sec.Get("ecds_filters"), "ecds_filter", &ecds, false)
	}
	if !d.Has(configdump.SectionEcds) {
		ecds.Subscribed = SubscriptionUnknown
	}
	f.Types = []TypeFacts{cds, lds, eds, rds, ecds}
	if sds.Dynamic+sds.Warming > 0 || len(sds.Errors) > 0 {
		f.Types = append(f.Types, sds) // SDS gets a column only when the proxy uses it
	}
	return f, nil
}

func sectionRaw(d *configdump.Dump, k configdump.SectionKind) []byte {
	var out []byte
	for _, s := range d.SectionsOf(k) {
		out = append(out, s.Raw()...)
	}
	return out
}

// entries counts the entries of a dynamic list (each {version_info, <resKey>, last_updated, error_state}).
func entries(list jsonscan.Value, resKey string, t *TypeFacts, warming bool) {
	_ = list.Items(func(_ int, e jsonscan.Value) bool {
		res := e.Get(resKey)
		if res.Exists() {
			if warming {
				t.Warming++
			} else {
				t.Dynamic++
			}
		}
		t.noteTime(e.Get("last_updated").Str())
		if !warming {
			t.noteVersion(e.Get("version_info").Str())
		}
		name := e.Get("name").Str()
		if name == "" {
			name = res.Get("name").Str()
		}
		t.noteError(name, e.Get("error_state"))
		return true
	})
}

func (t *TypeFacts) noteTime(s string) {
	if s == "" {
		return
	}
	if ts, err := time.Parse(time.RFC3339Nano, s); err == nil && ts.After(t.LastUpdated) {
		t.LastUpdated = ts.UTC()
	}
}

// noteVersion keeps the version of the newest entry (entries are not ordered; the last one read wins
// only when the section itself has none).
func (t *TypeFacts) noteVersion(v string) {
	if t.Version == "" && v != "" {
		t.Version = v
	}
}

func (t *TypeFacts) noteError(name string, es jsonscan.Value) {
	if !es.Exists() {
		return
	}
	msg := es.Get("details").Str()
	if msg == "" {
		msg = status.NoDetails
	}
	if name != "" {
		msg = name + ": " + msg
	}
	t.Errors = append(t.Errors, msg)
	t.noteTime(es.Get("last_update_attempt").Str())
}

// nodeFacts reads the node's identity: Istio's metadata when present, else the node id and cluster.
func nodeFacts(f *ProxyFacts, n jsonscan.Value) {
	id := n.Get("id").Str()
	md := n.Get("metadata")
	f.Namespace = md.Get("NAMESPACE").Str()
	f.Cluster = md.Get("CLUSTER_ID").Str()
	if f.Cluster == "" {
		f.Cluster = n.Get("cluster").Str()
	}
	f.Version = configdump.IstioVersion(n)
	if f.Version == "" {
		f.Version = n.Get("user_agent_build_version", "version").Get("major_number").Text()
		if f.Version != "" {
			v := n.Get("user_agent_build_version", "version")
			f.Version = "envoy " + f.Version + "." + num(v.Get("minor_number").Text()) + "." + num(v.Get("patch").Text())
		}
	}
	if l := md.Get("LABELS"); l.Kind() == jsonscan.Object {
		f.Labels = map[string]string{}
		_ = l.Fields(func(k []byte, v jsonscan.Value) bool {
			f.Labels[string(k)] = v.Text()
			return true
		})
	}
	// Istio node ids are type~ip~pod.namespace~domain: istiod and istioctl call the proxy pod.namespace.
	if parts := strings.Split(id, "~"); len(parts) == 4 && parts[2] != "" {
		id = parts[2]
		if f.Namespace == "" {
			if i := strings.LastIndexByte(id, '.'); i > 0 {
				f.Namespace = id[i+1:]
			}
		}
	}
	if f.Name == "" {
		f.Name = id
	}
}

func num(s string) string {
	if s == "" {
		return "0"
	}
	return s
}
