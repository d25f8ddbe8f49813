// Package status computes the xDS sync status of proxies as a control plane sees it: from a CSDS
// ClientStatusResponse (any CSDS server, gRPC's admin service, the bundled control plane), from istiod's
// `istio.io/debug/syncz` debug response, merged over several control-plane replicas, or — without any
// control plane — inferred from facts read out of the proxies' own config dumps.
//
// It turns those inputs into plain views (ProxyStatus) that renderers print; it does no I/O.
// docs/proxy-status.md describes the states and how they are computed.
package status

import (
	"sort"
	"strings"
	"time"
)

// State is the sync state of one xDS type (or one resource) of one proxy.
type State string

// The states, from the control plane's point of view.
const (
	// StateSynced: the control plane sent config and the proxy ACKed the latest send.
	StateSynced State = "SYNCED"
	// StateStale: the control plane sent config and has had neither ACK nor NACK for it yet.
	StateStale State = "STALE"
	// StateNotSent: the proxy subscribed but the control plane has sent nothing (or the resource does not exist).
	StateNotSent State = "NOT SENT"
	// StateError: the proxy rejected (NACKed) the latest config.
	StateError State = "ERROR"
	// StateIgnored: the proxy never subscribed to the type.
	StateIgnored State = "IGNORED"
)

// Severity orders states from harmless to bad; aggregation and --status use it.
func (s State) Severity() int {
	switch s {
	case StateSynced:
		return 1
	case StateNotSent:
		return 2
	case StateStale:
		return 3
	case StateError:
		return 4
	}
	return 0 // IGNORED and anything unknown
}

// ProxyStatus is one proxy as one control plane sees it.
type ProxyStatus struct {
	// Name is the node ID, or pod.namespace for an Istio-shaped node ID
	// (type~ip~pod.namespace~domain), as istiod names its proxies.
	Name string `json:"name"`
	// NodeID is the node ID when Name is not it (an Istio-shaped ID shown as pod.namespace).
	NodeID string `json:"nodeId,omitempty"`
	// Namespace comes from node metadata NAMESPACE, or an Istio-style node ID; empty when unknown.
	Namespace string `json:"namespace,omitempty"`
	// Cluster is node metadata CLUSTER_ID, else the node's cluster field.
	Cluster string `json:"cluster,omitempty"`
	// ControlPlane names the control plane instance that reported the proxy (istiod ID, CSDS address).
	ControlPlane string `json:"controlPlane,omitempty"`
	// ControlPlaneVersion is the version the control plane reports about itself, when it does.
	ControlPlaneVersion string `json:"controlPlaneVersion,omitempty"`
	// Version is the proxy's version: ISTIO_VERSION metadata, else user agent name and version.
	Version string `json:"version,omitempty"`
	// Labels are the proxy's labels where the node metadata carries them (Istio's LABELS).
	Labels map[string]string `json:"labels,omitempty"`
	// Types holds one entry per xDS type: CDS, LDS, EDS, RDS, ECDS always, then others by short name.
	Types []TypeStatus `json:"types"`
	// Inferred is set when the status was inferred from the proxy's config dump, not told by a control plane.
	Inferred bool `json:"inferred,omitempty"`
}

// TypeStatus is the aggregated state of one xDS type of one proxy.
type TypeStatus struct {
	// Type is the short name: CDS, LDS, EDS, RDS, ECDS, SDS, SRDS, VHDS, RTDS, LEDS, WDS, … or the
	// message name for unknown types.
	Type string `json:"type"`
	// TypeURL is the type URL as reported (empty for IGNORED types nobody mentioned).
	TypeURL string `json:"typeUrl,omitempty"`
	State   State  `json:"state"`
	// LastUpdated is when the control plane last sent (or the proxy last accepted) this type.
	LastUpdated time.Time `json:"lastUpdated,omitzero"`
	// Error is the NACK message (error_state.details) of the type, or of its resources in ERROR: each
	// distinct message once, several joined with "; " (see nackMessage).
	Error string `json:"error,omitempty"`
	// VersionSent is the version the control plane last sent, when known.
	VersionSent string `json:"versionSent,omitempty"`
	// VersionAcked is the version the proxy last accepted, when known.
	VersionAcked string `json:"versionAcked,omitempty"`
	// Warming counts resources received but not yet in effect (inferred mode only).
	Warming int `json:"warming,omitempty"`
	// Resources lists per-resource states when the source reports them per resource (CSDS generic_xds_configs with names).
	Resources []ResourceStatus `json:"resources,omitempty"`
}

// ResourceStatus is the state of one named xDS resource.
type ResourceStatus struct {
	Name  string `json:"name"`
	State State  `json:"state"`
	// ClientStatus is the client's own view, when reported (REQUESTED, DOES_NOT_EXIST, ACKED, NACKED, …).
	ClientStatus string    `json:"clientStatus,omitempty"`
	Version      string    `json:"version,omitempty"`
	LastUpdated  time.Time `json:"lastUpdated,omitzero"`
	Error        string    `json:"error,omitempty"`
}

// Type returns the entry for a short type name.
func (p *ProxyStatus) Type(short string) (TypeStatus, bool) {
	for _, t := range p.Types {
		if t.Type == short {
			return t, true
		}
	}
	return TypeStatus{}, false
}

// Worst is the worst state over the proxy's subscribed types (IGNORED when it subscribed to nothing).
func (p *ProxyStatus) Worst() State {
	w := StateIgnored
	for _, t := range p.Types {
		if t.State.Severity() > w.Severity() {
			w = t.State
		}
	}
	return w
}

// Unsynced reports whether any subscribed type of the proxy is not SYNCED (what --fail-on-unsynced checks).
func (p *ProxyStatus) Unsynced() bool {
	for _, t := range p.Types {
		if t.State != StateSynced && t.State != StateIgnored {
			return true
		}
	}
	return false
}

// CountUnsynced counts the proxies for which Unsynced is true.
func CountUnsynced(ps []ProxyStatus) int {
	n := 0
	for i := range ps {
		if ps[i].Unsynced() {
			n++
		}
	}
	return n
}

// Sort orders proxies by name, then namespace, then control plane.
func Sort(ps []ProxyStatus) {
	sort.SliceStable(ps, func(i, j int) bool {
		a, b := &ps[i], &ps[j]
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		if a.Namespace != b.Namespace {
			return a.Namespace < b.Namespace
		}
		return a.ControlPlane < b.ControlPlane
	})
}

// aggregate folds per-resource states into one type state: any ERROR gives ERROR; else any STALE gives
// STALE; else SYNCED when anything was synced; else NOT SENT when something was asked for; else IGNORED.
func aggregate(rs []ResourceStatus) State {
	has := map[State]bool{}
	for _, r := range rs {
		has[r.State] = true
	}
	switch {
	case has[StateError]:
		return StateError
	case has[StateStale]:
		return StateStale
	case has[StateSynced]:
		return StateSynced
	case has[StateNotSent]:
		return StateNotSent
	}
	return StateIgnored
}

// FoldResources builds a TypeStatus from per-resource entries of one type.
func FoldResources(short, typeURL string, rs []ResourceStatus, sent, acked []string) TypeStatus {
	t := TypeStatus{Type: short, TypeURL: typeURL, State: aggregate(rs)}
	named := false
	for _, r := range rs {
		if r.Name != "" {
			named = true
		}
		if r.State == t.State && r.LastUpdated.After(t.LastUpdated) {
			t.LastUpdated = r.LastUpdated
		}
	}
	// The versions are told by the resources that decide the state (the rejected ones for ERROR): a
	// resource of the same response that was accepted does not make the type's version accepted.
	t.VersionSent = commonOf(rs, sent, t.State)
	t.VersionAcked = commonOf(rs, acked, t.State)
	if named {
		t.Resources = rs
		sort.SliceStable(t.Resources, func(i, j int) bool { return t.Resources[i].Name < t.Resources[j].Name })
	}
	t.Error = NACKMessage("", rs)
	return t
}

// NACKMessage joins the NACK messages of one type, each distinct message once. summary is the
// type's own message (a control plane's entry without a name), "" when there is none; of rs, the
// resources in ERROR count, and an entry without a name counts as a summary.
//
//   - A resource's message that a summary already says adds nothing (the bundled control plane
//     gives a resource Envoy blamed the whole message; gRPC's message contains each resource's part).
//   - When several resources failed with different messages, they are shown in the resource-named
//     form, "a: <error>; b: <error>", instead of a summary that only strings them together.
//   - Resources that failed with the same message share it: "a, b: <error>".
//   - Names are given when the type has more than one resource; "rejected (no details)" only when
//     nothing else is said.
func NACKMessage(summary string, rs []ResourceStatus) string {
	type group struct {
		msg   string
		names []string
	}
	var groups []*group
	var byMsg map[string]*group // made at the first rejected resource: most types have none
	named := 0
	for _, r := range rs {
		if r.Name != "" {
			named++
		}
		if r.State != StateError || r.Error == "" {
			continue
		}
		if r.Name == "" && (summary == "" || summary == NoDetails) {
			summary = r.Error
			continue
		}
		if byMsg == nil {
			byMsg = map[string]*group{}
		}
		key := squash(r.Error)
		g := byMsg[key]
		if g == nil {
			g = &group{msg: r.Error}
			byMsg[key] = g
			groups = append(groups, g)
		}
		if r.Name != "" {
			g.names = append(g.names, r.Name)
		}
	}
	var parts []string
	said := squash(summary)
	if summary != "" && summary != NoDetails {
		inSummary := 0
		for _, g := range groups {
			if strings.Contains(said, squash(g.msg)) {
				inSummary++
			}
		}
		if len(groups) < 2 || inSummary < len(groups) {
			parts = append(parts, summary)
			kept := groups[:0]
			for _, g := range groups {
				if !strings.Contains(said, squash(g.msg)) {
					kept = append(kept, g)
				}
			}
			groups = kept
		}
	}
	for _, g := range groups {
		if g.msg == NoDetails && (len(parts) > 0 || len(groups) > 1) {
			continue
		}
		msg := g.msg
		if len(g.names) > 0 && named > 1 {
			sort.Strings(g.names)
			msg = strings.Join(g.names, ", ") + ": " + msg
		}
		parts = append(parts, msg)
	}
	if len(parts) == 0 && summary != "" {
		return summary // NoDetails
	}
	return strings.Join(parts, "; ")
}

// squash collapses runs of white space, so messages compare whatever line breaks they carried.
func squash(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// commonOf is common over the versions of the resources in state st.
func commonOf(rs []ResourceStatus, vs []string, st State) string {
	out := ""
	for i, r := range rs {
		if r.State != st || i >= len(vs) || vs[i] == "" {
			continue
		}
		if out != "" && vs[i] != out {
			return ""
		}
		out = vs[i]
	}
	return out
}

// FinishTypes orders types (CDS, LDS, EDS, RDS, ECDS, then the rest by short name) and adds IGNORED
// entries for the standard types nobody reported. It reorders ts in place.
func FinishTypes(ts []TypeStatus) []TypeStatus {
	for _, s := range StandardTypes {
		if !HasType(ts, s) {
			ts = append(ts, TypeStatus{Type: s, State: StateIgnored})
		}
	}
	sort.Slice(ts, func(i, j int) bool {
		a, b := standardIndex(ts[i].Type), standardIndex(ts[j].Type)
		switch {
		case a >= 0 && b >= 0:
			return a < b
		case a >= 0 || b >= 0:
			return a >= 0
		}
		return ts[i].Type < ts[j].Type
	})
	return ts
}

// SortedTypes is the types of a proxy, in the order tables show them (for a status made elsewhere,
// e.g. package infer).
func SortedTypes(m map[string]TypeStatus) []TypeStatus { return FinishTypes(Values(m)) }

// Values lists the types of a map by short name, in no order (FinishTypes orders them).
func Values(m map[string]TypeStatus) []TypeStatus {
	out := make([]TypeStatus, 0, len(m)+len(StandardTypes))
	for _, t := range m {
		out = append(out, t)
	}
	return out
}
