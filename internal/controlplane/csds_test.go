package controlplane_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	statusv3 "github.com/envoyproxy/go-control-plane/envoy/service/status/v3"
	matcherv3 "github.com/envoyproxy/go-control-plane/envoy/type/matcher/v3"
	"github.com/envoyproxy/go-control-plane/pkg/resource/v3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"github.com/xdsctl/xdsctl/internal/controlplane"
	"github.com/xdsctl/xdsctl/internal/controlplane/tracker"
	"github.com/xdsctl/xdsctl/internal/controlplane/xdsres"
	"github.com/xdsctl/xdsctl/internal/emulator"
	"github.com/xdsctl/xdsctl/internal/testutil"
)

var fixedNow = func() time.Time { return time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC) }

// assertGolden compares got with testdata/<name>.golden (testutil.Golden).
func assertGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	testutil.Golden(t, filepath.Join("testdata", name+".golden"), got)
}

func nodeMatcher(m *matcherv3.StringMatcher) *statusv3.ClientStatusRequest {
	return &statusv3.ClientStatusRequest{NodeMatchers: []*matcherv3.NodeMatcher{{NodeId: m}}}
}

func TestCSDSOverGRPC(t *testing.T) {
	cp := startCP(t, exampleWith(t), controlplane.Options{Now: fixedNow})
	startSidecar(t, cp, emulator.Options{NodeID: "sidecar-1", Now: fixedNow})
	startSidecar(t, cp, emulator.Options{NodeID: "sidecar-2", Now: fixedNow})
	startSidecar(t, cp, emulator.Options{NodeID: "gateway", Now: fixedNow})
	for _, n := range []string{"sidecar-1", "sidecar-2", "gateway"} {
		syncedAt(t, cp, n, "v1")
	}
	conn, err := grpc.NewClient(cp.Addr(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close() })
	client := statusv3.NewClientStatusDiscoveryServiceClient(conn)
	ctx := ctxTimeout(t, 10*time.Second)

	nodesOf := func(resp *statusv3.ClientStatusResponse) []string {
		var out []string
		for _, c := range resp.GetConfig() {
			out = append(out, c.GetNode().GetId())
		}
		return out
	}
	tests := []struct {
		name string
		req  *statusv3.ClientStatusRequest
		want []string
		code codes.Code
	}{
		{"every node", &statusv3.ClientStatusRequest{}, []string{"gateway", "sidecar-1", "sidecar-2"}, codes.OK},
		{"exact", nodeMatcher(&matcherv3.StringMatcher{MatchPattern: &matcherv3.StringMatcher_Exact{Exact: "sidecar-1"}}), []string{"sidecar-1"}, codes.OK},
		{"prefix", nodeMatcher(&matcherv3.StringMatcher{MatchPattern: &matcherv3.StringMatcher_Prefix{Prefix: "sidecar-"}}), []string{"sidecar-1", "sidecar-2"}, codes.OK},
		{"suffix ignoring case", nodeMatcher(&matcherv3.StringMatcher{MatchPattern: &matcherv3.StringMatcher_Suffix{Suffix: "WAY"}, IgnoreCase: true}), []string{"gateway"}, codes.OK},
		{"regex", nodeMatcher(&matcherv3.StringMatcher{MatchPattern: &matcherv3.StringMatcher_SafeRegex{SafeRegex: &matcherv3.RegexMatcher{Regex: "sidecar-[2-9]"}}}), []string{"sidecar-2"}, codes.OK},
		{"no match", nodeMatcher(&matcherv3.StringMatcher{MatchPattern: &matcherv3.StringMatcher_Exact{Exact: "nobody"}}), nil, codes.OK},
		{"bad regex", nodeMatcher(&matcherv3.StringMatcher{MatchPattern: &matcherv3.StringMatcher_SafeRegex{SafeRegex: &matcherv3.RegexMatcher{Regex: "("}}}), nil, codes.InvalidArgument},
		{"metadata matcher", &statusv3.ClientStatusRequest{NodeMatchers: []*matcherv3.NodeMatcher{{NodeMetadatas: []*matcherv3.StructMatcher{{Path: []*matcherv3.StructMatcher_PathSegment{{Segment: &matcherv3.StructMatcher_PathSegment_Key{Key: "k"}}}}}}}}, nil, codes.Unimplemented},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := client.FetchClientStatus(ctx, tt.req)
			require.Equal(t, tt.code, status.Code(err), "%v", err)
			if tt.code == codes.OK {
				assert.Equal(t, tt.want, nodesOf(resp))
			}
		})
	}

	t.Run("stream", func(t *testing.T) {
		stream, err := client.StreamClientStatus(ctx)
		require.NoError(t, err)
		for _, id := range []string{"sidecar-1", "gateway"} {
			require.NoError(t, stream.Send(controlplane.NodeRequest(id)))
			resp, err := stream.Recv()
			require.NoError(t, err)
			assert.Equal(t, []string{id}, nodesOf(resp))
		}
		require.NoError(t, stream.CloseSend())
		_, err = stream.Recv()
		assert.ErrorIs(t, err, io.EOF)
	})

	t.Run("per-node config dump over CSDS equals the debug endpoint's", func(t *testing.T) {
		resp, err := client.FetchClientStatus(ctx, controlplane.NodeRequest("sidecar-1"))
		require.NoError(t, err)
		require.Len(t, resp.GetConfig(), 1)
		fromCSDS, err := xdsres.MarshalJSON(xdsres.DumpFromClientConfig(resp.GetConfig()[0]).ConfigDump(true))
		require.NoError(t, err)

		srv := httptest.NewServer(cp.DebugHandler())
		t.Cleanup(srv.Close)
		res, err := http.Get(srv.URL + "/debug/config_dump?node=sidecar-1&include_eds")
		require.NoError(t, err)
		defer res.Body.Close()
		fromHTTP, err := io.ReadAll(res.Body)
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, res.StatusCode)
		assert.Equal(t, string(fromHTTP), string(fromCSDS))
		assertGolden(t, "debug/config_dump.sidecar-1.include_eds", fromHTTP)
	})
}

// TestDebugHandler covers the HTTP views: syncz, csds and the per-node config dump, with an
// ERROR on one node.
func TestDebugHandler(t *testing.T) {
	cp := startCP(t, exampleWith(t), controlplane.Options{Now: fixedNow})
	startSidecar(t, cp, emulator.Options{NodeID: "good", Now: fixedNow, Metadata: map[string]any{"NAMESPACE": "default"}})
	syncedAt(t, cp, "good", "v1")
	require.NoError(t, cp.Push(badCluster(t)))
	_, err := cp.Tracker().WaitNode(ctxTimeout(t, 5*time.Second), "good", func(c tracker.Conn) bool {
		ok := c.StatusOf(resource.ClusterType) == tracker.Error
		for _, u := range standard[1:] {
			ty, _ := c.Type(u)
			ok = ok && ty.Status == tracker.Synced && ty.VersionAcked == "v2"
		}
		return ok
	})
	require.NoError(t, err)
	srv := httptest.NewServer(cp.DebugHandler())
	t.Cleanup(srv.Close)
	get := func(path string) (int, string) {
		res, err := http.Get(srv.URL + path)
		require.NoError(t, err)
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		require.NoError(t, err)
		return res.StatusCode, string(b)
	}
	code, body := get("/debug/config_dump")
	assert.Equal(t, http.StatusBadRequest, code)
	assert.Equal(t, "give ?node=<node id>\n", body)
	code, body = get("/debug/config_dump?node=nobody")
	assert.Equal(t, http.StatusNotFound, code)
	assert.Equal(t, "node \"nobody\" is not connected\n", body)
	code, body = get("/debug/config_dump?node=good")
	assert.Equal(t, http.StatusOK, code)
	assertGolden(t, "debug/config_dump.error", []byte(body))
	code, body = get("/debug/csds?node=good")
	assert.Equal(t, http.StatusOK, code)
	assertGolden(t, "debug/csds.error", []byte(body))
}

func TestSynczJSON(t *testing.T) {
	cp := startCP(t, exampleWith(t), controlplane.Options{Now: fixedNow})
	startSidecar(t, cp, emulator.Options{NodeID: "s1", Now: fixedNow})
	syncedAt(t, cp, "s1", "v1")
	srv := httptest.NewServer(cp.DebugHandler())
	t.Cleanup(srv.Close)
	res, err := http.Get(srv.URL + "/debug/syncz")
	require.NoError(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	for _, want := range []string{`"node": "s1"`, `"type": "CDS"`, `"status": "SYNCED"`, `"versionAcked": "v1"`, `"responsesSinceNack": 1`, `"nacks": 0`} {
		assert.Contains(t, string(b), want)
	}
}

// TestCSDSShowsSotwAndDeltaClients: a state-of-the-world and a delta client connected at once are
// both in CSDS and /debug/syncz, each with its own state. go-control-plane numbers the two kinds of
// stream separately, so both are stream 1.
func TestCSDSShowsSotwAndDeltaClients(t *testing.T) {
	cp := startCP(t, exampleWith(t), controlplane.Options{Now: fixedNow})
	startSidecar(t, cp, emulator.Options{NodeID: "sotw-1", Now: fixedNow})
	delta := startSidecar(t, cp, emulator.Options{NodeID: "delta-1", Delta: true, Now: fixedNow})
	syncedAt(t, cp, "sotw-1", "v1")
	syncedAt(t, cp, "delta-1", "v1")

	// the delta client holds its ACKs; v2 moves an endpoint
	delta.HoldACKs(true)
	require.NoError(t, cp.Push(exampleWith(t, "version: v1", "version: v2", "port_value: 9002", "port_value: 9003")))
	syncedAt(t, cp, "sotw-1", "v2")
	_, err := cp.Tracker().WaitNode(ctxTimeout(t, 10*time.Second), "delta-1", func(c tracker.Conn) bool {
		return c.StatusOf(resource.EndpointType) == tracker.Stale
	})
	require.NoError(t, err)

	conn, err := grpc.NewClient(cp.Addr(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close() })
	resp, err := statusv3.NewClientStatusDiscoveryServiceClient(conn).FetchClientStatus(ctxTimeout(t, 10*time.Second), &statusv3.ClientStatusRequest{})
	require.NoError(t, err)
	// per node, the type summaries (entries without a name): "CDS SYNCED v2"
	got := map[string][]string{}
	for _, c := range resp.GetConfig() {
		for _, g := range c.GetGenericXdsConfigs() {
			if g.GetName() == "" {
				got[c.GetNode().GetId()] = append(got[c.GetNode().GetId()],
					xdsres.ShortName(g.GetTypeUrl())+" "+g.GetConfigStatus().String()+" "+g.GetVersionInfo())
			}
		}
	}
	assert.Equal(t, map[string][]string{
		"delta-1": {"CDS SYNCED v1", "EDS STALE v2", "LDS SYNCED v1", "RDS SYNCED v1"},
		"sotw-1":  {"CDS SYNCED v2", "EDS SYNCED v2", "LDS SYNCED v2", "RDS SYNCED v2"},
	}, got)

	var syncz []controlplane.SyncNode
	srv := httptest.NewServer(cp.DebugHandler())
	t.Cleanup(srv.Close)
	res, err := http.Get(srv.URL + "/debug/syncz")
	require.NoError(t, err)
	defer res.Body.Close()
	require.NoError(t, json.NewDecoder(res.Body).Decode(&syncz))
	require.Len(t, syncz, 2)
	for i, want := range []struct {
		node  string
		delta bool
	}{{"delta-1", true}, {"sotw-1", false}} {
		assert.Equal(t, want.node, syncz[i].Node)
		assert.Equal(t, want.delta, syncz[i].Delta)
		assert.Equal(t, int64(1), syncz[i].StreamID, "the first stream of each kind is stream 1")
	}
}
