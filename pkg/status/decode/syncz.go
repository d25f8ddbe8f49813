package decode

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/xdsctl/xdsctl/pkg/status"

	"github.com/xdsctl/xdsctl/pkg/xdswire"
)

// SynczTypeURL is istiod's debug type that lists every connected proxy's sync status.
const SynczTypeURL = "istio.io/debug/syncz"

// ConfigDumpTypeURL is istiod's debug type that returns its view of one proxy's config (resource name pod.namespace).
const ConfigDumpTypeURL = "istio.io/debug/config_dump"

const clientConfigURL = "type.googleapis.com/envoy.service.status.v3.ClientConfig"

// ControlPlaneInfo is what a control plane says about itself in a DiscoveryResponse's control_plane.identifier.
type ControlPlaneInfo struct {
	// ID names the instance (istiod pod name); the raw identifier when it is not Istio's JSON.
	ID string `json:"id"`
	// Component is istiod's component name ("istiod").
	Component string `json:"component,omitempty"`
	// Version is the control plane's version.
	Version string `json:"version,omitempty"`
}

// ParseControlPlaneIdentifier reads istiod's identifier JSON ({"Component":"istiod","ID":"istiod-…",
// "Info":{"version":"1.2x"…}}); any other non-empty identifier is taken as the ID.
func ParseControlPlaneIdentifier(identifier string) ControlPlaneInfo {
	var v struct {
		Component string
		ID        string
		Info      struct {
			Version string `json:"version"`
		}
	}
	if strings.HasPrefix(strings.TrimSpace(identifier), "{") && json.Unmarshal([]byte(identifier), &v) == nil && v.ID != "" {
		return ControlPlaneInfo{ID: v.ID, Component: v.Component, Version: v.Info.Version}
	}
	return ControlPlaneInfo{ID: identifier}
}

// DecodeSyncz decodes istiod's `istio.io/debug/syncz` DiscoveryResponse in protobuf binary form into proxy
// statuses. Each resource is an Any(envoy.service.status.v3.ClientConfig); others are skipped with a
// warning. fallbackControlPlane names the replica when the response carries no control_plane identifier
// (the address that was asked).
func DecodeSyncz(b []byte, fallbackControlPlane string) (*status.Report, error) {
	resp, err := xdswire.ParseDiscoveryResponse(b)
	if err != nil {
		return nil, fmt.Errorf("decode syncz response: %w", err)
	}
	return FromSyncz(resp, fallbackControlPlane), nil
}

// FromSyncz turns a parsed syncz DiscoveryResponse into proxy statuses (see DecodeSyncz).
func FromSyncz(resp *xdswire.DiscoveryResponse, fallbackControlPlane string) *status.Report {
	cp := ParseControlPlaneIdentifier(resp.ControlPlane)
	if cp.ID == "" {
		cp.ID = fallbackControlPlane
	}
	r := &status.Report{Proxies: make([]status.ProxyStatus, 0, len(resp.Resources))}
	for i, a := range resp.Resources {
		if a.TypeURL != clientConfigURL {
			r.Warnf("syncz resource %d: skipped unexpected type %q", i, a.TypeURL)
			continue
		}
		cc, err := parseClientConfig(a.Value)
		if err != nil {
			r.Warnf("syncz resource %d: %v", i, err)
			continue
		}
		addSyncz(r, cc, cp)
	}
	r.Finish()
	return r
}

func addSyncz(r *status.Report, cc *clientConfig, cp ControlPlaneInfo) {
	p := fromClientConfig(cc)
	if p.Namespace == "" {
		// istiod names syncz proxies pod.namespace
		if j := strings.LastIndexByte(p.Name, '.'); j > 0 && !strings.Contains(p.Name, "~") {
			p.Namespace = p.Name[j+1:]
		}
	}
	p.ControlPlane, p.ControlPlaneVersion = cp.ID, cp.Version
	r.Proxies = append(r.Proxies, p)
}

// DecodeSynczLegacyJSON decodes the body of istiod's HTTP `:15014/debug/syncz`: a JSON array of istiod's
// SyncStatus ({"proxy", "cluster_id", "istio_version", "cluster_sent", "cluster_acked", …, and in newer
// versions "resources": {typeURL: {"sent", "acked", "sentTime", "lastError"}}}). It applies NonceState to
// each type. Arrays of ClientConfig (protojson) are accepted too.
func DecodeSynczLegacyJSON(b []byte, controlPlane string) (*status.Report, error) {
	raw, err := jsonArray(b)
	if err != nil {
		return nil, fmt.Errorf("decode syncz body: %w", err)
	}
	r := &status.Report{Proxies: make([]status.ProxyStatus, 0, len(raw))}
	for i, m := range raw {
		var probe map[string]json.RawMessage
		if err := json.Unmarshal(m, &probe); err != nil {
			r.Warnf("syncz entry %d: %v", i, err)
			continue
		}
		var p status.ProxyStatus
		if _, ok := probe["node"]; ok {
			v, err := decodeJSON(m)
			if err != nil {
				r.Warnf("syncz entry %d: %v", i, err)
				continue
			}
			p = fromClientConfig(clientConfigJSON(jobject(v)))
		} else {
			var err error
			if p, err = fromSyncStatus(m); err != nil {
				r.Warnf("syncz entry %d: %v", i, err)
				continue
			}
		}
		p.ControlPlane = controlPlane
		r.Proxies = append(r.Proxies, p)
	}
	r.Finish()
	return r, nil
}

// syncStatus is the shape of one entry of istiod's HTTP /debug/syncz.
type syncStatus struct {
	ProxyID              string `json:"proxy"`
	ClusterID            string `json:"cluster_id"`
	IstioVersion         string `json:"istio_version"`
	ProxyVersion         string `json:"proxy_version"`
	ClusterSent          string `json:"cluster_sent"`
	ClusterAcked         string `json:"cluster_acked"`
	ListenerSent         string `json:"listener_sent"`
	ListenerAcked        string `json:"listener_acked"`
	RouteSent            string `json:"route_sent"`
	RouteAcked           string `json:"route_acked"`
	EndpointSent         string `json:"endpoint_sent"`
	EndpointAcked        string `json:"endpoint_acked"`
	ExtensionConfigSent  string `json:"extensionconfig_sent"`
	ExtensionConfigAcked string `json:"extensionconfig_acked"`
	Resources            map[string]struct {
		Sent      string    `json:"sent"`
		Acked     string    `json:"acked"`
		SentTime  time.Time `json:"sentTime"`
		LastError string    `json:"lastError"`
	} `json:"resources"`
}

func fromSyncStatus(m json.RawMessage) (status.ProxyStatus, error) {
	var s syncStatus
	if err := json.Unmarshal(m, &s); err != nil {
		return status.ProxyStatus{}, err
	}
	if s.ProxyID == "" {
		return status.ProxyStatus{}, errors.New("no proxy id")
	}
	p := status.ProxyStatus{Name: s.ProxyID, Cluster: s.ClusterID, Version: s.IstioVersion}
	if p.Version == "" {
		p.Version = s.ProxyVersion
	}
	if j := strings.LastIndexByte(p.Name, '.'); j > 0 {
		p.Namespace = p.Name[j+1:]
	}
	types := map[string]status.TypeStatus{}
	if len(s.Resources) > 0 {
		for url, rs := range s.Resources {
			t := NonceState(status.ShortType(url), rs.Sent, rs.Acked, rs.LastError)
			t.TypeURL, t.LastUpdated = url, rs.SentTime
			types[t.Type] = t
		}
	} else {
		pairs := []struct{ short, sent, acked string }{
			{"CDS", s.ClusterSent, s.ClusterAcked},
			{"LDS", s.ListenerSent, s.ListenerAcked},
			{"RDS", s.RouteSent, s.RouteAcked},
			{"EDS", s.EndpointSent, s.EndpointAcked},
			{"ECDS", s.ExtensionConfigSent, s.ExtensionConfigAcked},
		}
		for _, x := range pairs {
			if x.short == "ECDS" && x.sent == "" && x.acked == "" {
				continue // istiod that old knew no ECDS: IGNORED
			}
			types[x.short] = NonceState(x.short, x.sent, x.acked, "")
		}
	}
	p.Types = status.FinishTypes(status.Values(types))
	return p, nil
}

// NonceState is the rule a control plane applies per connection and type: ERROR when the last request
// carried error_detail; else NOT SENT when nothing was sent; SYNCED when the last nonce sent was ACKed;
// else STALE. The bundled control plane and the istiod emulator use it, so every producer agrees.
func NonceState(short, nonceSent, nonceAcked, lastError string) status.TypeStatus {
	t := status.TypeStatus{Type: short, TypeURL: status.V3TypeURL(short)}
	switch {
	case lastError != "":
		t.State, t.Error = status.StateError, status.OneLine(lastError)
	case nonceSent == "":
		t.State = status.StateNotSent
	case nonceSent == nonceAcked:
		t.State = status.StateSynced
	default:
		t.State = status.StateStale
	}
	return t
}
