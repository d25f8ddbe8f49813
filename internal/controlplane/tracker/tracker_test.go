package tracker

import (
	"context"
	"testing"
	"time"

	clusterv3 "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	endpointv3 "github.com/envoyproxy/go-control-plane/envoy/config/endpoint/v3"
	discovery "github.com/envoyproxy/go-control-plane/envoy/service/discovery/v3"
	statusv3 "github.com/envoyproxy/go-control-plane/envoy/service/status/v3"
	"github.com/envoyproxy/go-control-plane/pkg/resource/v3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	statuspb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
)

var t0 = time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)

const (
	cds = resource.ClusterType
	eds = resource.EndpointType
	lds = resource.ListenerType
)

func anyOf(t *testing.T, m proto.Message) *anypb.Any {
	t.Helper()
	a, err := anypb.New(m)
	require.NoError(t, err)
	return a
}

func cluster(t *testing.T, name string) *anypb.Any {
	return anyOf(t, &clusterv3.Cluster{Name: name})
}

func cla(t *testing.T, name string) *anypb.Any {
	return anyOf(t, &endpointv3.ClusterLoadAssignment{ClusterName: name})
}

// event is one callback the server makes.
type event struct {
	req   *discovery.DiscoveryRequest
	resp  *discovery.DiscoveryResponse
	dreq  *discovery.DeltaDiscoveryRequest
	dresp *discovery.DeltaDiscoveryResponse
}

func req(typeURL, version, nonce string, names ...string) event {
	return event{req: &discovery.DiscoveryRequest{TypeUrl: typeURL, VersionInfo: version, ResponseNonce: nonce, ResourceNames: names}}
}

func nack(typeURL, version, nonce, msg string, names ...string) event {
	e := req(typeURL, version, nonce, names...)
	e.req.ErrorDetail = &statuspb.Status{Code: 3, Message: msg}
	return e
}

func resp(typeURL, version, nonce string, rs ...*anypb.Any) event {
	return event{resp: &discovery.DiscoveryResponse{TypeUrl: typeURL, VersionInfo: version, Nonce: nonce, Resources: rs}}
}

func dreq(typeURL, nonce string, sub, unsub []string) event {
	return event{dreq: &discovery.DeltaDiscoveryRequest{TypeUrl: typeURL, ResponseNonce: nonce, ResourceNamesSubscribe: sub, ResourceNamesUnsubscribe: unsub}}
}

func dnack(typeURL, nonce, msg string) event {
	e := dreq(typeURL, nonce, nil, nil)
	e.dreq.ErrorDetail = &statuspb.Status{Code: 3, Message: msg}
	return e
}

func dresp(typeURL, version, nonce string, removed []string, rs ...*anypb.Any) event {
	out := &discovery.DeltaDiscoveryResponse{TypeUrl: typeURL, SystemVersionInfo: version, Nonce: nonce, RemovedResources: removed}
	for _, a := range rs {
		m, _ := a.UnmarshalNew()
		var name string
		switch r := m.(type) {
		case *clusterv3.Cluster:
			name = r.GetName()
		case *endpointv3.ClusterLoadAssignment:
			name = r.GetClusterName()
		}
		out.Resources = append(out.Resources, &discovery.Resource{Name: name, Version: version + "-" + name, Resource: a})
	}
	return event{dresp: out}
}

// play feeds events into a tracker as go-control-plane would for one stream of node "n1".
func play(t *testing.T, tr *Tracker, delta bool, events []event) {
	t.Helper()
	node := &corev3.Node{Id: "n1"}
	first := true
	for _, e := range events {
		switch {
		case e.req != nil:
			if first {
				e.req.Node = node
				first = false
			}
			require.NoError(t, tr.OnStreamRequest(1, e.req))
		case e.resp != nil:
			tr.OnStreamResponse(context.Background(), 1, &discovery.DiscoveryRequest{Node: node}, e.resp)
		case e.dreq != nil:
			if first {
				e.dreq.Node = node
				first = false
			}
			require.NoError(t, tr.OnStreamDeltaRequest(1, e.dreq))
		case e.dresp != nil:
			tr.OnStreamDeltaResponse(1, &discovery.DeltaDiscoveryRequest{Node: node}, e.dresp)
		}
	}
	_ = delta
}

func newTracker(t *testing.T, delta bool) *Tracker {
	t.Helper()
	tr := New(func() time.Time { return t0 })
	if delta {
		require.NoError(t, tr.OnDeltaStreamOpen(context.Background(), 1, resource.AnyType))
	} else {
		require.NoError(t, tr.OnStreamOpen(context.Background(), 1, resource.AnyType))
	}
	return tr
}

func typeView(t *testing.T, tr *Tracker, typeURL string) Type {
	t.Helper()
	c, ok := tr.Node("n1")
	require.True(t, ok, "node n1 is not connected")
	ty, ok := c.Type(typeURL)
	require.True(t, ok, "no state for %s", typeURL)
	return ty
}

func resStatus(ty Type) map[string]statusv3.ConfigStatus {
	out := map[string]statusv3.ConfigStatus{}
	for _, r := range ty.Resources {
		out[r.Name] = r.Status
	}
	return out
}

// TestSotwRules plays istiod's rules one by one on a state-of-the-world stream.
func TestSotwRules(t *testing.T) {
	tests := []struct {
		name      string
		typeURL   string
		events    []event
		status    statusv3.ConfigStatus
		resources map[string]statusv3.ConfigStatus
		check     func(t *testing.T, ty Type)
	}{
		{
			name:    "new subscription: nothing sent yet",
			typeURL: cds,
			events:  []event{req(cds, "", "")},
			status:  NotSent,
			check: func(t *testing.T, ty Type) {
				assert.True(t, ty.Wildcard, "an empty CDS request is a wildcard subscription")
			},
		},
		{
			name:      "named subscription: each name not sent is NOT SENT",
			typeURL:   eds,
			events:    []event{req(eds, "", "", "a", "b")},
			status:    NotSent,
			resources: map[string]statusv3.ConfigStatus{"a": NotSent, "b": NotSent},
			check: func(t *testing.T, ty Type) {
				assert.False(t, ty.Wildcard)
				assert.Equal(t, []string{"a", "b"}, ty.Requested)
			},
		},
		{
			name:    "an empty EDS request is not a wildcard",
			typeURL: eds,
			events:  []event{req(eds, "", "")},
			status:  NotSent,
			check: func(t *testing.T, ty Type) {
				assert.False(t, ty.Wildcard)
			},
		},
		{
			name:      "sent and not answered: STALE",
			typeURL:   cds,
			events:    []event{req(cds, "", ""), resp(cds, "v1", "1", cluster(t, "a"))},
			status:    Stale,
			resources: map[string]statusv3.ConfigStatus{"a": Stale},
			check: func(t *testing.T, ty Type) {
				assert.Equal(t, "1", ty.NonceSent)
				assert.Equal(t, "v1", ty.VersionSent)
				assert.Empty(t, ty.NonceAcked)
				assert.Equal(t, t0, ty.LastSent)
			},
		},
		{
			name:      "ACK: the nonce sent comes back without an error",
			typeURL:   cds,
			events:    []event{req(cds, "", ""), resp(cds, "v1", "1", cluster(t, "a")), req(cds, "v1", "1")},
			status:    Synced,
			resources: map[string]statusv3.ConfigStatus{"a": Synced},
			check: func(t *testing.T, ty Type) {
				assert.Equal(t, "1", ty.NonceAcked)
				assert.Equal(t, "v1", ty.VersionAcked)
				assert.Equal(t, 1, ty.Counters.ACKs)
			},
		},
		{
			name:    "NACK: ERROR with the client's message",
			typeURL: cds,
			events: []event{req(cds, "", ""), resp(cds, "v1", "1", cluster(t, "a")), req(cds, "v1", "1"),
				resp(cds, "v2", "2", cluster(t, "a"), cluster(t, "b")), nack(cds, "v1", "2", "Error adding/updating cluster(s) b: bad")},
			status:    Error,
			resources: map[string]statusv3.ConfigStatus{"a": Synced, "b": Error},
			check: func(t *testing.T, ty Type) {
				assert.Equal(t, "Error adding/updating cluster(s) b: bad", ty.Error)
				assert.Equal(t, "v2", ty.ErrorVersion, "the rejected version")
				assert.Equal(t, "v1", ty.VersionAcked, "a NACK does not move the accepted version")
				assert.Equal(t, 1, ty.Counters.NACKs)
				assert.Equal(t, 0, ty.Counters.ResponsesSinceNACK)
			},
		},
		{
			name:    "NACK naming no resource blames all of the response",
			typeURL: cds,
			events: []event{req(cds, "", ""), resp(cds, "v1", "1", cluster(t, "a"), cluster(t, "b")),
				nack(cds, "", "1", "something went wrong")},
			status:    Error,
			resources: map[string]statusv3.ConfigStatus{"a": Error, "b": Error},
		},
		{
			name:    "stale nonce: an answer to an older response is ignored",
			typeURL: cds,
			events: []event{req(cds, "", ""), resp(cds, "v1", "1", cluster(t, "a")), resp(cds, "v2", "2", cluster(t, "a")),
				req(cds, "v1", "1")},
			status: Stale,
			check: func(t *testing.T, ty Type) {
				assert.Equal(t, 1, ty.Counters.Stale)
				assert.Equal(t, 0, ty.Counters.ACKs)
				assert.Empty(t, ty.NonceAcked)
			},
		},
		{
			name:    "stale NACK is ignored too",
			typeURL: cds,
			events: []event{req(cds, "", ""), resp(cds, "v1", "1", cluster(t, "a")), resp(cds, "v2", "2", cluster(t, "a")),
				nack(cds, "", "1", "old news"), req(cds, "v2", "2")},
			status: Synced,
			check: func(t *testing.T, ty Type) {
				assert.Empty(t, ty.Error)
				assert.Equal(t, 1, ty.Counters.Stale)
			},
		},
		{
			name:    "an empty nonce after a response was sent is stale (the SotW server drops it)",
			typeURL: cds,
			events:  []event{req(cds, "", ""), resp(cds, "v1", "1", cluster(t, "a")), req(cds, "", "")},
			status:  Stale,
			check: func(t *testing.T, ty Type) {
				assert.Equal(t, 1, ty.Counters.Stale)
			},
		},
		{
			name:    "ERROR stays after new config is sent, until it is ACKed",
			typeURL: cds,
			events: []event{req(cds, "", ""), resp(cds, "v1", "1", cluster(t, "a")), nack(cds, "", "1", "a: bad"),
				resp(cds, "v2", "2", cluster(t, "a"))},
			status:    Error,
			resources: map[string]statusv3.ConfigStatus{"a": Error},
			check: func(t *testing.T, ty Type) {
				assert.Equal(t, 1, ty.Counters.ResponsesSinceNACK)
			},
		},
		{
			name:    "recovery: the ACK of new config clears the error",
			typeURL: cds,
			events: []event{req(cds, "", ""), resp(cds, "v1", "1", cluster(t, "a")), nack(cds, "", "1", "a: bad"),
				resp(cds, "v2", "2", cluster(t, "a")), req(cds, "v2", "2")},
			status:    Synced,
			resources: map[string]statusv3.ConfigStatus{"a": Synced},
			check: func(t *testing.T, ty Type) {
				assert.Empty(t, ty.Error)
				assert.Equal(t, "v2", ty.VersionAcked)
			},
		},
		{
			name:    "unsubscribe: a name dropped from the request is forgotten",
			typeURL: eds,
			events: []event{req(eds, "", "", "a", "b"), resp(eds, "v1", "1", cla(t, "a"), cla(t, "b")), req(eds, "v1", "1", "a", "b"),
				req(eds, "v1", "1", "a")},
			status:    Synced,
			resources: map[string]statusv3.ConfigStatus{"a": Synced},
			check: func(t *testing.T, ty Type) {
				assert.Equal(t, []string{"a"}, ty.Requested)
			},
		},
		{
			name:    "a new name in the request is NOT SENT until a response carries it",
			typeURL: eds,
			events: []event{req(eds, "", "", "a"), resp(eds, "v1", "1", cla(t, "a")), req(eds, "v1", "1", "a"),
				req(eds, "v1", "1", "a", "c")},
			status:    Synced,
			resources: map[string]statusv3.ConfigStatus{"a": Synced, "c": NotSent},
		},
		{
			name:    "a wildcard subscription keeps what it was sent",
			typeURL: lds,
			events: []event{req(lds, "", ""), resp(lds, "v1", "1", anyOf(t, &clusterv3.Cluster{Name: "x"})), req(lds, "v1", "1"),
				req(lds, "v1", "1")},
			status: Synced,
			check: func(t *testing.T, ty Type) {
				assert.True(t, ty.Wildcard)
			},
		},
		{
			name:    "a response without a resource removes it",
			typeURL: cds,
			events: []event{req(cds, "", ""), resp(cds, "v1", "1", cluster(t, "a"), cluster(t, "b")), req(cds, "v1", "1"),
				resp(cds, "v2", "2", cluster(t, "a"))},
			status:    Stale,
			resources: map[string]statusv3.ConfigStatus{"a": Stale},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := newTracker(t, false)
			play(t, tr, false, tt.events)
			ty := typeView(t, tr, tt.typeURL)
			assert.Equal(t, Label(tt.status), Label(ty.Status))
			if tt.resources != nil {
				assert.Equal(t, tt.resources, resStatus(ty))
			}
			if tt.check != nil {
				tt.check(t, ty)
			}
		})
	}
}

// TestNACKGuard checks that a NACK of the last response rewrites the request's version_info to
// the rejected version (so the snapshot cache parks the watch), and that nothing else does.
func TestNACKGuard(t *testing.T) {
	tests := []struct {
		name    string
		noGuard bool
		last    event
		want    string
	}{
		{name: "NACK of the last response", last: nack(cds, "v1", "2", "bad"), want: "v2"},
		{name: "guard disabled", noGuard: true, last: nack(cds, "v1", "2", "bad"), want: "v1"},
		{name: "stale NACK", last: nack(cds, "v1", "1", "bad"), want: "v1"},
		{name: "ACK", last: req(cds, "v2", "2"), want: "v2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := newTracker(t, false)
			if tt.noGuard {
				tr.DisableNACKGuard()
			}
			play(t, tr, false, []event{req(cds, "", ""), resp(cds, "v1", "1", cluster(t, "a")), req(cds, "v1", "1"),
				resp(cds, "v2", "2", cluster(t, "a")), tt.last})
			assert.Equal(t, tt.want, tt.last.req.GetVersionInfo())
		})
	}
}

// TestDeltaRules plays the rules on a delta stream, where every response is ACKed on its own.
func TestDeltaRules(t *testing.T) {
	tests := []struct {
		name      string
		typeURL   string
		events    []event
		status    statusv3.ConfigStatus
		resources map[string]statusv3.ConfigStatus
		check     func(t *testing.T, ty Type)
	}{
		{
			name:    "wildcard subscription, nothing sent",
			typeURL: cds,
			events:  []event{dreq(cds, "", nil, nil)},
			status:  NotSent,
			check: func(t *testing.T, ty Type) {
				assert.True(t, ty.Wildcard)
			},
		},
		{
			name:      "sent, not ACKed",
			typeURL:   cds,
			events:    []event{dreq(cds, "", nil, nil), dresp(cds, "v1", "1", nil, cluster(t, "a"))},
			status:    Stale,
			resources: map[string]statusv3.ConfigStatus{"a": Stale},
		},
		{
			name:      "ACKed",
			typeURL:   cds,
			events:    []event{dreq(cds, "", nil, nil), dresp(cds, "v1", "1", nil, cluster(t, "a")), dreq(cds, "1", nil, nil)},
			status:    Synced,
			resources: map[string]statusv3.ConfigStatus{"a": Synced},
			check: func(t *testing.T, ty Type) {
				assert.Equal(t, "v1-a", ty.Resources[0].Version, "delta resources carry their own version")
			},
		},
		{
			name:    "two responses in flight: one ACK leaves it STALE",
			typeURL: cds,
			events: []event{dreq(cds, "", nil, nil), dresp(cds, "v1", "1", nil, cluster(t, "a")), dresp(cds, "v2", "2", nil, cluster(t, "b")),
				dreq(cds, "1", nil, nil)},
			status:    Stale,
			resources: map[string]statusv3.ConfigStatus{"a": Synced, "b": Stale},
		},
		{
			name:    "two responses in flight: both ACKed in any order",
			typeURL: cds,
			events: []event{dreq(cds, "", nil, nil), dresp(cds, "v1", "1", nil, cluster(t, "a")), dresp(cds, "v2", "2", nil, cluster(t, "b")),
				dreq(cds, "2", nil, nil), dreq(cds, "1", nil, nil)},
			status:    Synced,
			resources: map[string]statusv3.ConfigStatus{"a": Synced, "b": Synced},
		},
		{
			name:    "NACK of one response",
			typeURL: cds,
			events: []event{dreq(cds, "", nil, nil), dresp(cds, "v1", "1", nil, cluster(t, "a")), dreq(cds, "1", nil, nil),
				dresp(cds, "v2", "2", nil, cluster(t, "b")), dnack(cds, "2", "Error adding/updating cluster(s) b: bad")},
			status:    Error,
			resources: map[string]statusv3.ConfigStatus{"a": Synced, "b": Error},
			check: func(t *testing.T, ty Type) {
				assert.Equal(t, 1, ty.Counters.NACKs)
			},
		},
		{
			name:    "unknown nonce is stale",
			typeURL: cds,
			events:  []event{dreq(cds, "", nil, nil), dresp(cds, "v1", "1", nil, cluster(t, "a")), dreq(cds, "7", nil, nil)},
			status:  Stale,
			check: func(t *testing.T, ty Type) {
				assert.Equal(t, 1, ty.Counters.Stale)
			},
		},
		{
			name:    "removed resources are forgotten",
			typeURL: cds,
			events: []event{dreq(cds, "", nil, nil), dresp(cds, "v1", "1", nil, cluster(t, "a"), cluster(t, "b")), dreq(cds, "1", nil, nil),
				dresp(cds, "v2", "2", []string{"b"}), dreq(cds, "2", nil, nil)},
			status:    Synced,
			resources: map[string]statusv3.ConfigStatus{"a": Synced},
		},
		{
			name:    "subscribe and unsubscribe by name",
			typeURL: eds,
			events: []event{dreq(eds, "", []string{"a", "b"}, nil), dresp(eds, "v1", "1", nil, cla(t, "a"), cla(t, "b")), dreq(eds, "1", nil, nil),
				dreq(eds, "", []string{"c"}, []string{"b"})},
			status:    Synced,
			resources: map[string]statusv3.ConfigStatus{"a": Synced, "c": NotSent},
			check: func(t *testing.T, ty Type) {
				assert.Equal(t, []string{"a", "c"}, ty.Requested)
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := newTracker(t, true)
			play(t, tr, true, tt.events)
			ty := typeView(t, tr, tt.typeURL)
			assert.Equal(t, Label(tt.status), Label(ty.Status))
			if tt.resources != nil {
				assert.Equal(t, tt.resources, resStatus(ty))
			}
			if tt.check != nil {
				tt.check(t, ty)
			}
		})
	}
}

func TestStreamClosedForgetsConnection(t *testing.T) {
	tr := newTracker(t, false)
	play(t, tr, false, []event{req(cds, "", "")})
	_, ok := tr.Node("n1")
	require.True(t, ok)
	tr.OnStreamClosed(1, &corev3.Node{Id: "n1"})
	_, ok = tr.Node("n1")
	assert.False(t, ok)
	assert.Empty(t, tr.Conns())
}

// TestClientConfig checks the CSDS shape: per type a summary entry without a name, then one entry
// per resource with the resource itself in xds_config.
func TestClientConfig(t *testing.T) {
	tr := newTracker(t, false)
	play(t, tr, false, []event{req(cds, "", ""), resp(cds, "v1", "1", cluster(t, "a"), cluster(t, "b")),
		nack(cds, "", "1", "Error adding/updating cluster(s) b: bad")})
	c, ok := tr.Node("n1")
	require.True(t, ok)
	cc := c.ClientConfig()
	require.Equal(t, "n1", cc.GetNode().GetId())
	require.Len(t, cc.GetGenericXdsConfigs(), 3)
	sum, a, b := cc.GenericXdsConfigs[0], cc.GenericXdsConfigs[1], cc.GenericXdsConfigs[2]
	assert.Empty(t, sum.GetName())
	assert.Equal(t, statusv3.ConfigStatus_ERROR, sum.GetConfigStatus())
	assert.Equal(t, "Error adding/updating cluster(s) b: bad", sum.GetErrorState().GetDetails())
	assert.Equal(t, "v1", sum.GetErrorState().GetVersionInfo())
	assert.Equal(t, "a", a.GetName())
	assert.Equal(t, statusv3.ConfigStatus_SYNCED, a.GetConfigStatus())
	assert.True(t, proto.Equal(cluster(t, "a"), a.GetXdsConfig()))
	assert.Equal(t, t0, a.GetLastUpdated().AsTime())
	assert.Equal(t, "b", b.GetName())
	assert.Equal(t, statusv3.ConfigStatus_ERROR, b.GetConfigStatus())
	assert.Nil(t, a.GetErrorState())
}

func TestWaitNode(t *testing.T) {
	tr := New(nil)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := tr.WaitNode(ctx, "n1", func(c Conn) bool { return c.Synced() })
		done <- err
	}()
	require.NoError(t, tr.OnStreamOpen(ctx, 1, resource.AnyType))
	play(t, tr, false, []event{req(cds, "", ""), resp(cds, "v1", "1", cluster(t, "a")), req(cds, "v1", "1")})
	require.NoError(t, <-done)

	short, cancel2 := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel2()
	_, err := tr.WaitNode(short, "nobody", func(Conn) bool { return true })
	require.ErrorContains(t, err, `node "nobody" never connected`)
}

// TestSotwAndDeltaStreamsWithTheSameID: go-control-plane numbers SotW and delta streams with two
// counters, so the first stream of each is stream 1. Both are tracked, on every callback path.
func TestSotwAndDeltaStreamsWithTheSameID(t *testing.T) {
	for _, opened := range []bool{true, false} {
		name := map[bool]string{true: "streams opened", false: "first seen in a request"}[opened]
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			tr := New(func() time.Time { return t0 })
			sotwNode, deltaNode := &corev3.Node{Id: "sotw"}, &corev3.Node{Id: "delta"}
			if opened {
				require.NoError(t, tr.OnStreamOpen(ctx, 1, resource.AnyType))
				require.NoError(t, tr.OnDeltaStreamOpen(ctx, 1, resource.AnyType))
			}
			// SotW: CDS sent and ACKed.
			require.NoError(t, tr.OnStreamRequest(1, &discovery.DiscoveryRequest{Node: sotwNode, TypeUrl: cds}))
			tr.OnStreamResponse(ctx, 1, &discovery.DiscoveryRequest{Node: sotwNode},
				&discovery.DiscoveryResponse{TypeUrl: cds, VersionInfo: "v1", Nonce: "1", Resources: []*anypb.Any{cluster(t, "a")}})
			// delta: CDS sent, not answered yet.
			require.NoError(t, tr.OnStreamDeltaRequest(1, &discovery.DeltaDiscoveryRequest{Node: deltaNode, TypeUrl: cds}))
			tr.OnStreamDeltaResponse(1, &discovery.DeltaDiscoveryRequest{Node: deltaNode}, dresp(cds, "d1", "1", nil, cluster(t, "b")).dresp)
			require.NoError(t, tr.OnStreamRequest(1, &discovery.DiscoveryRequest{TypeUrl: cds, VersionInfo: "v1", ResponseNonce: "1"}))

			conns := tr.Conns()
			require.Len(t, conns, 2, "a SotW and a delta stream with the same id are two connections")
			assert.Equal(t, "delta", conns[0].NodeID)
			assert.True(t, conns[0].Delta)
			assert.Equal(t, int64(1), conns[0].StreamID)
			assert.Equal(t, Stale, conns[0].StatusOf(cds))
			assert.Equal(t, "sotw", conns[1].NodeID)
			assert.False(t, conns[1].Delta)
			assert.Equal(t, int64(1), conns[1].StreamID)
			assert.Equal(t, Synced, conns[1].StatusOf(cds))

			s, ok := tr.Node("sotw")
			require.True(t, ok)
			ty, _ := s.Type(cds)
			assert.Equal(t, []string{"a"}, resNames(ty))
			d, ok := tr.Node("delta")
			require.True(t, ok)
			ty, _ = d.Type(cds)
			assert.Equal(t, []string{"b"}, resNames(ty))

			// the delta stream's NACK reaches the delta connection only
			require.NoError(t, tr.OnStreamDeltaRequest(1, &discovery.DeltaDiscoveryRequest{TypeUrl: cds, ResponseNonce: "1",
				ErrorDetail: &statuspb.Status{Code: 3, Message: "Error adding/updating cluster(s) b: bad"}}))
			d, _ = tr.Node("delta")
			s, _ = tr.Node("sotw")
			assert.Equal(t, Error, d.StatusOf(cds))
			assert.Equal(t, Synced, s.StatusOf(cds))

			tr.OnDeltaStreamClosed(1, deltaNode)
			_, ok = tr.Node("delta")
			assert.False(t, ok, "the delta stream closed")
			s, ok = tr.Node("sotw")
			require.True(t, ok, "closing the delta stream 1 leaves the SotW stream 1")
			assert.Equal(t, Synced, s.StatusOf(cds))
			tr.OnStreamClosed(1, sotwNode)
			assert.Empty(t, tr.Conns())
		})
	}
}

// TestNodeIsTheNewestConnection: a node connected twice (SotW, then delta after a restart with
// another protocol) is shown by its newest connection, whatever the stream ids.
func TestNodeIsTheNewestConnection(t *testing.T) {
	ctx := context.Background()
	tr := New(func() time.Time { return t0 })
	node := &corev3.Node{Id: "n1"}
	require.NoError(t, tr.OnStreamOpen(ctx, 7, resource.AnyType))
	require.NoError(t, tr.OnStreamRequest(7, &discovery.DiscoveryRequest{Node: node, TypeUrl: cds}))
	require.NoError(t, tr.OnDeltaStreamOpen(ctx, 1, resource.AnyType))
	require.NoError(t, tr.OnStreamDeltaRequest(1, &discovery.DeltaDiscoveryRequest{Node: node, TypeUrl: cds}))
	c, ok := tr.Node("n1")
	require.True(t, ok)
	assert.True(t, c.Delta, "the delta stream connected last, though its id is smaller")
	conns := tr.Conns()
	require.Len(t, conns, 2)
	assert.False(t, conns[0].Delta, "connections of a node are listed in the order they connected")
	assert.True(t, conns[1].Delta)
}

func resNames(ty Type) []string {
	var out []string
	for _, r := range ty.Resources {
		out = append(out, r.Name)
	}
	return out
}
