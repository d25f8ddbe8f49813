package emulator

import (
	"fmt"
	"sort"
	"strings"
	"time"

	clusterv3 "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	discovery "github.com/envoyproxy/go-control-plane/envoy/service/discovery/v3"
	"github.com/envoyproxy/go-control-plane/pkg/resource/v3"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"

	"github.com/xdsctl/xdsctl/internal/controlplane/xdsres"
)

// response is one DiscoveryResponse or DeltaDiscoveryResponse, as the store applies it.
type response struct {
	delta     bool
	typeURL   string
	nonce     string
	version   string                // version_info (SotW) or system_version_info (delta)
	resources []*anypb.Any          // SotW
	deltaRes  []*discovery.Resource // delta
	removed   []string              // delta
}

func sotwResponse(r *discovery.DiscoveryResponse) response {
	return response{typeURL: r.GetTypeUrl(), nonce: r.GetNonce(), version: r.GetVersionInfo(), resources: r.GetResources()}
}

func deltaResponse(r *discovery.DeltaDiscoveryResponse) response {
	return response{delta: true, typeURL: r.GetTypeUrl(), nonce: r.GetNonce(), version: r.GetSystemVersionInfo(), deltaRes: r.GetResources(), removed: r.GetRemovedResources()}
}

// request is what the sidecar sends; the session turns it into its protocol's message.
type request struct {
	typeURL string
	// SotW: the full list of names (nil for a wildcard type), the accepted version and the nonce
	// being answered.
	names   []string
	version string
	// delta: changes to the subscription.
	subscribe, unsubscribe []string
	initial                map[string]string
	nonce                  string
	errMsg                 string // non-empty: a NACK
}

// store is the sidecar's config: per type, the subscription and the accepted resources.
type store struct {
	types map[string]*typeState
	// rejectUnknown NACKs resources with fields the Envoy API does not declare (Envoy's
	// --reject-unknown-dynamic-fields); by default they are ignored, as Envoy does.
	rejectUnknown bool
}

type typeState struct {
	typeURL   string
	wildcard  bool            // listeners and clusters: everything the control plane has
	names     map[string]bool // the others: what the accepted listeners and clusters name
	version   string
	nonce     string
	received  bool // a first response was processed
	lastNACK  string
	resources map[string]*res
	counters  Counters
}

type res struct {
	version string // of the update that brought any
	any     *anypb.Any
	msg     proto.Message
	updated time.Time // last accepted update
	added   time.Time // first accepted update
	failure *xdsres.Failure
}

func newStore(rejectUnknown bool) *store {
	st := &store{types: map[string]*typeState{}, rejectUnknown: rejectUnknown}
	for _, k := range xdsres.Kinds {
		ts := st.typeOf(k.TypeURL)
		ts.wildcard = xdsres.LegacyWildcard(k.TypeURL)
	}
	return st
}

func (st *store) typeOf(typeURL string) *typeState {
	ts := st.types[typeURL]
	if ts == nil {
		ts = &typeState{typeURL: typeURL, names: map[string]bool{}, resources: map[string]*res{}}
		st.types[typeURL] = ts
	}
	return ts
}

// subscribed tells whether the type is asked for at all.
func (ts *typeState) subscribed() bool { return ts.wildcard || len(ts.names) > 0 }

func (ts *typeState) requestNames() []string {
	if ts.wildcard {
		return nil
	}
	return sortedSet(ts.names)
}

// acceptedVersions are the versions of the accepted resources (delta's initial_resource_versions).
func (ts *typeState) acceptedVersions() map[string]string {
	out := map[string]string{}
	for name, r := range ts.resources {
		if r.any != nil {
			out[name] = r.version
		}
	}
	return out
}

// initialRequests are the requests a new stream starts with: listeners and clusters, then the
// types the accepted ones name.
func (st *store) initialRequests(delta bool) []request {
	var out []request
	for _, k := range xdsres.Kinds {
		ts := st.types[k.TypeURL]
		if !ts.subscribed() {
			continue
		}
		r := request{typeURL: ts.typeURL}
		if delta {
			r.subscribe = ts.requestNames()
			r.initial = ts.acceptedVersions()
		} else {
			r.names, r.version = ts.requestNames(), ts.version
		}
		out = append(out, r)
	}
	// Clusters and listeners first, as Envoy asks.
	sort.SliceStable(out, func(i, j int) bool { return rank(out[i].typeURL) < rank(out[j].typeURL) })
	return out
}

func rank(typeURL string) int {
	switch typeURL {
	case resource.ClusterType:
		return 0
	case resource.ListenerType:
		return 1
	}
	return 2
}

// apply applies a response and returns what to send: requests for the types whose subscription
// changed, then the ACK or NACK of the response.
func (st *store) apply(r response, now time.Time) []request {
	ts := st.typeOf(r.typeURL)
	ts.nonce = r.nonce
	ts.received = true
	nack := st.applyResources(ts, r, now)
	var out []request
	if nack == "" {
		ts.version = r.version
		ts.lastNACK = ""
		ts.counters.ACKs++
		out = st.resubscribe(r.typeURL, r.delta)
	} else {
		ts.lastNACK = nack
		ts.counters.NACKs++
		// The valid resources of the response were applied: their dependencies too.
		out = st.resubscribe(r.typeURL, r.delta)
	}
	answer := request{typeURL: r.typeURL, nonce: r.nonce, errMsg: nack}
	if !r.delta {
		answer.names, answer.version = ts.requestNames(), ts.version
	}
	return append(out, answer)
}

// applyResources validates and applies the resources of a response; it returns the NACK message,
// "" when every resource was accepted.
func (st *store) applyResources(ts *typeState, r response, now time.Time) string {
	kind, ok := xdsres.KindOf(r.typeURL)
	if !ok {
		return fmt.Sprintf("unknown type URL %s: the emulated sidecar subscribes to clusters, endpoints, listeners, routes and secrets only", r.typeURL)
	}
	anys := r.resources
	versions := make([]string, 0, len(anys))
	if r.delta {
		anys = make([]*anypb.Any, 0, len(r.deltaRes))
		for _, dr := range r.deltaRes {
			if dr.GetResource() == nil {
				return fmt.Sprintf("%s %s has no resource in the delta response", kind.Singular, dr.GetName())
			}
			anys = append(anys, dr.GetResource())
			versions = append(versions, dr.GetVersion())
		}
	}
	decoded, err := decodeResources(r.typeURL, anys, st.rejectUnknown)
	if err != nil {
		return err.Error()
	}
	if r.delta {
		for i, d := range decoded {
			if want := r.deltaRes[i].GetName(); want != d.name {
				return fmt.Sprintf("delta resource named %q holds %s %q", want, kind.Singular, d.name)
			}
		}
	}
	var rejected []string
	in := map[string]bool{}
	for i, d := range decoded {
		if d.skip || !ts.wildcard && !ts.names[d.name] {
			continue // Envoy ignores what it did not ask for
		}
		in[d.name] = true
		version := r.version
		if r.delta {
			version = versions[i]
		}
		cur := ts.resources[d.name]
		if d.err != nil {
			rejected = append(rejected, fmt.Sprintf("%s: %v", d.name, d.err))
			if cur == nil {
				cur = &res{}
				ts.resources[d.name] = cur
			}
			cur.failure = &xdsres.Failure{Version: version, At: now, Configured: d.raw}
			continue
		}
		if cur == nil {
			cur = &res{added: now}
			ts.resources[d.name] = cur
		}
		if cur.any == nil {
			cur.added = now
		}
		cur.version, cur.any, cur.msg, cur.updated, cur.failure = version, d.raw, d.msg, now, nil
	}
	switch {
	case r.delta:
		for _, name := range r.removed {
			delete(ts.resources, name)
		}
	case ts.wildcard || kind.TypeURL == resource.ClusterType || kind.TypeURL == resource.ListenerType:
		// State of the world for listeners and clusters: what the response lacks is removed.
		for name := range ts.resources {
			if !in[name] {
				delete(ts.resources, name)
			}
		}
	}
	if len(rejected) == 0 {
		return ""
	}
	msg := fmt.Sprintf("Error adding/updating %s(s) %s", kind.Singular, strings.Join(rejected, ", "))
	for _, d := range decoded {
		if d.err != nil {
			ts.resources[d.name].failure.Details = msg
		}
	}
	return msg
}

// resubscribe updates the subscriptions that depend on typeURL (endpoints and secrets on
// clusters, routes and secrets on listeners) and returns the requests for the ones that changed.
func (st *store) resubscribe(typeURL string, delta bool) []request {
	clusters := st.types[resource.ClusterType].messages()
	listeners := st.types[resource.ListenerType].messages()
	want := map[string][]string{}
	switch typeURL {
	case resource.ClusterType:
		want[resource.EndpointType] = edsNames(clusters)
		want[resource.SecretType] = sdsNames(clusters, listeners)
	case resource.ListenerType:
		want[resource.RouteType] = rdsNames(listeners)
		want[resource.SecretType] = sdsNames(clusters, listeners)
	default:
		return nil
	}
	var out []request
	for _, k := range xdsres.Kinds {
		names, ok := want[k.TypeURL]
		if !ok {
			continue
		}
		ts := st.types[k.TypeURL]
		next := map[string]bool{}
		for _, n := range names {
			next[n] = true
		}
		var added, removed []string
		for n := range next {
			if !ts.names[n] {
				added = append(added, n)
			}
		}
		for n := range ts.names {
			if !next[n] {
				removed = append(removed, n)
				delete(ts.resources, n)
			}
		}
		if len(added) == 0 && len(removed) == 0 {
			continue
		}
		ts.names = next
		sort.Strings(added)
		sort.Strings(removed)
		r := request{typeURL: k.TypeURL, nonce: ts.nonce}
		if delta {
			r.subscribe, r.unsubscribe, r.nonce = added, removed, ""
		} else {
			r.names, r.version = ts.requestNames(), ts.version
		}
		out = append(out, r)
	}
	return out
}

// messages are the accepted resources of the type, sorted by name.
func (ts *typeState) messages() []proto.Message {
	names := make([]string, 0, len(ts.resources))
	for name, r := range ts.resources {
		if r.msg != nil {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	out := make([]proto.Message, 0, len(names))
	for _, n := range names {
		out = append(out, ts.resources[n].msg)
	}
	return out
}

// dump is the sidecar's config as xdsres builds a ConfigDump from it.
func (st *store) dump(now time.Time, initialFetchTimeout time.Duration) *xdsres.Dump {
	d := &xdsres.Dump{TypeVersions: map[string]string{}}
	for _, k := range xdsres.Kinds {
		ts := st.types[k.TypeURL]
		d.TypeVersions[k.TypeURL] = ts.version
		for name, r := range ts.resources {
			e := xdsres.Entry{TypeURL: k.TypeURL, Name: name, Version: r.version, Resource: r.any, LastUpdated: r.updated, Failure: r.failure}
			if r.msg != nil && now.Before(r.added.Add(initialFetchTimeout)) {
				e.Warming = st.warming(r.msg)
			}
			d.Entries = append(d.Entries, e)
		}
	}
	return d
}

// warming tells whether a cluster still waits for its endpoints or a listener for its routes.
func (st *store) warming(m proto.Message) bool {
	var need []string
	var typeURL string
	switch m.(type) {
	case *clusterv3.Cluster:
		need, typeURL = edsNames([]proto.Message{m}), resource.EndpointType
	default:
		need, typeURL = rdsNames([]proto.Message{m}), resource.RouteType
	}
	have := st.types[typeURL].resources
	for _, n := range need {
		if r := have[n]; r == nil || r.any == nil {
			return true
		}
	}
	return false
}

// ready tells whether the sidecar finished initialising, as Envoy's /ready does: the first
// clusters and listeners were received and nothing is warming any more.
func (st *store) ready(now time.Time, initialFetchTimeout time.Duration) (bool, string) {
	c, l := st.types[resource.ClusterType], st.types[resource.ListenerType]
	if !c.received && !l.received {
		return false, "PRE_INITIALIZING"
	}
	if !c.received || !l.received {
		return false, "INITIALIZING"
	}
	for _, e := range st.dump(now, initialFetchTimeout).Entries {
		if e.Warming {
			return false, "INITIALIZING"
		}
	}
	return true, "LIVE"
}
