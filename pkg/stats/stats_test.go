package stats

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func read(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	return data
}

const reviews = "outbound|9080||reviews.default.svc.cluster.local"

// TestLookupsEveryForm: the three forms of the same stats answer the lookups analyze makes alike.
func TestLookupsEveryForm(t *testing.T) {
	for _, tt := range []struct {
		file   string
		format Format
	}{{"sidecar.txt", FormatText}, {"sidecar.json", FormatJSON}, {"sidecar.prom", FormatPrometheus}} {
		t.Run(tt.file, func(t *testing.T) {
			s, err := Parse(read(t, tt.file))
			require.NoError(t, err)
			assert.Equal(t, tt.format, s.Format)
			assert.Empty(t, s.Warnings)

			v, ok := s.Cluster(reviews, UpstreamCxConnectFail)
			assert.True(t, ok)
			assert.InDelta(t, 3.0, v, 0)
			v, ok = s.Cluster(reviews, UpstreamRqPendingOverflow)
			assert.True(t, ok)
			assert.InDelta(t, 2.0, v, 0)
			_, ok = s.Cluster("nope", UpstreamCxConnectFail)
			assert.False(t, ok)

			assert.Contains(t, s.PerHTTP(NoRoute), Per{Scope: "outbound_0.0.0.0_9080", Value: 7})
			overflow := 5.0 // the text sample has none
			if tt.format == FormatText {
				overflow = 0
			}
			assert.Contains(t, s.PerListener(DownstreamCxOverflow), Per{Scope: "0.0.0.0_15006", Value: overflow})

			rej := s.PerXDS(UpdateRejected)
			assert.Contains(t, rej, XDS{Type: "CDS", Value: 0})
			assert.Contains(t, rej, XDS{Type: "LDS", Value: 1})
			assert.Contains(t, rej, XDS{Type: "RDS", Prefix: "outbound_0.0.0.0_9080", Resource: "9080", Value: 2})
			assert.Contains(t, rej, XDS{Type: "EDS", Resource: reviews, Value: 1})
			assert.Contains(t, s.PerXDS(UpdateFailure), XDS{Type: "CDS", Value: 284})
		})
	}
}

func TestParseText(t *testing.T) {
	s, err := Parse(read(t, "sidecar.txt"))
	require.NoError(t, err)
	v, err := s.Value("server.uptime")
	require.NoError(t, err)
	assert.InDelta(t, 3601.0, v, 0)
	_, err = s.Value("server.nope")
	require.ErrorIs(t, err, ErrNoStat)

	st, ok := s.Get("cluster_manager.cds.version_text")
	require.True(t, ok)
	assert.Equal(t, TypeText, st.Type)
	assert.Equal(t, "2024-06-13T04:12:41Z/622", st.Text)

	st, ok = s.Get("http.inbound_0.0.0.0_9080.downstream_rq_time")
	require.True(t, ok)
	require.Len(t, st.Histogram.Quantiles, 10)
	q := st.Histogram.Quantiles[2]
	assert.InDelta(t, 50.0, q.Q, 0)
	assert.InDelta(t, 3.05, *q.Interval, 1e-9)
	assert.InDelta(t, 3.1, *q.Cumulative, 1e-9)
	st, _ = s.Get("cluster.xds-grpc.upstream_cx_connect_ms")
	assert.Nil(t, st.Histogram.Quantiles[0].Interval, "nan is no value")

	st, _ = s.Get("cluster." + reviews + ".upstream_cx_length_ms")
	assert.Equal(t, TypeHistogram, st.Type)
	assert.Empty(t, st.Histogram.Quantiles)

	assert.Equal(t, ScopeClusters, ScopeOf(&s.Stats[0]))
	st, _ = s.Get("cluster_manager.active_clusters")
	assert.Equal(t, ScopeServer, ScopeOf(st))
	st, _ = s.Get("listener.admin.downstream_cx_overflow")
	assert.Equal(t, ScopeListeners, ScopeOf(st))
}

func TestParsePrometheus(t *testing.T) {
	s, err := Parse(read(t, "sidecar.prom"))
	require.NoError(t, err)
	st, ok := s.Get(`envoy_cluster_upstream_cx_connect_ms{cluster_name="xds-grpc"}`)
	require.True(t, ok)
	assert.Equal(t, TypeHistogram, st.Type)
	assert.Len(t, st.Histogram.Buckets, 4)
	assert.InDelta(t, 1.05, *st.Histogram.Sum, 1e-9)
	assert.InDelta(t, 1.0, *st.Histogram.Count, 0)
	st, _ = s.Get("envoy_server_live")
	assert.Equal(t, TypeGauge, st.Type)
	st, _ = s.Get(`envoy_listener_downstream_cx_overflow{listener_address="0.0.0.0_15006"}`)
	assert.Equal(t, ScopeListeners, ScopeOf(st))
	st, _ = s.Get("envoy_listener_manager_lds_update_rejected")
	assert.Equal(t, ScopeServer, ScopeOf(st))

	// what WritePrometheus writes reads back the same
	var buf bytes.Buffer
	require.NoError(t, WritePrometheus(&buf, s.Stats))
	again, err := Parse(buf.Bytes())
	require.NoError(t, err)
	a, _ := json.Marshal(s.Stats)
	b, _ := json.Marshal(again.Stats)
	assert.JSONEq(t, string(a), string(b))
}

func TestWritePrometheusFromText(t *testing.T) {
	s, err := Parse([]byte("cluster.a.upstream_cx_total: 3\nserver.version_text: \"x\"\nhttp.p.rq_time: P0(nan,1) P50(nan,2) P100(nan,3)\n"))
	require.NoError(t, err)
	var buf bytes.Buffer
	require.NoError(t, WritePrometheus(&buf, s.Stats))
	assert.Equal(t, `# TYPE envoy_cluster_a_upstream_cx_total untyped
envoy_cluster_a_upstream_cx_total 3
# TYPE envoy_http_p_rq_time summary
envoy_http_p_rq_time{quantile="0"} 1
envoy_http_p_rq_time{quantile="0.5"} 2
envoy_http_p_rq_time{quantile="1"} 3
`, buf.String())
}

func TestStatJSON(t *testing.T) {
	s, err := Parse(read(t, "sidecar.json"))
	require.NoError(t, err)
	out, err := json.Marshal(s.Stats[:1])
	require.NoError(t, err)
	assert.Equal(t, `[{"name":"cluster.`+reviews+`.update_rejected","type":"number","value":1}]`, string(out))
	st, _ := s.Get("cluster_manager.cds.version_text")
	out, err = json.Marshal(st)
	require.NoError(t, err)
	assert.Equal(t, `{"name":"cluster_manager.cds.version_text","type":"text","text":"2024-06-13T04:12:41Z/622"}`, string(out))
	p, err := Parse(read(t, "sidecar.prom"))
	require.NoError(t, err)
	_, err = json.Marshal(p.Stats) // +Inf buckets
	require.NoError(t, err)
}

func TestBadInput(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"empty", " \n", "input is empty"},
		{"binary", "\x1f\x8b\x08\x00", "input is binary data, not Envoy statistics"},
		{"HTML", "<html><body>503</body></html>", `input is HTML or XML (it starts with "<html><body>503</bod"), not Envoy statistics`},
		{"a config dump", `{"configs":[]}`, "input is a /config_dump, not Envoy statistics; use it with the other proxy-config views"},
		{"JSON without stats", `{"a":1}`, `input is JSON without "stats": not /stats?format=json output`},
		{"JSON stats of the wrong type", `{"stats":{"a":1}}`, "input is JSON but not /stats?format=json: stats is a JSON object"},
		{"truncated JSON", `{"stats":[{"name":"a","value":1}`, "input is truncated: JSON ends early at byte 32"},
		{"a JSON array", `[1]`, "input is a JSON array, not Envoy statistics (want /stats, /stats?format=json or /stats/prometheus)"},
		{"no statistic", "hello\nworld\n", `input is not Envoy statistics (it starts with "hello"; want /stats, /stats?format=json or /stats/prometheus)`},
		{"text with no number", "a: b\n", `input is not Envoy statistics (it starts with "a: b"; want /stats, /stats?format=json or /stats/prometheus)`},
		{"prose", "Hello, world", `input is not Envoy statistics (it starts with "Hello, world"; want /stats, /stats?format=json or /stats/prometheus)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Parse([]byte(tt.in))
			require.Error(t, err)
			assert.Nil(t, s)
			assert.Equal(t, tt.want, err.Error())
			var ie *InputError
			assert.ErrorAs(t, err, &ie)
		})
	}
}

func TestPartialInputWarns(t *testing.T) {
	s, err := Parse([]byte("server.live: 1\ngarbage line\nserver.state: x\nserver.uptime: 5\n"))
	require.NoError(t, err)
	assert.Len(t, s.Stats, 2)
	assert.Equal(t, []string{`line 2 is no statistic ("garbage line"); left out`, `line 3: server.state has no number ("x"); left out`, "2 lines in all are no statistic"}, s.Warnings)
}

func FuzzParse(f *testing.F) {
	for _, n := range []string{"sidecar.txt", "sidecar.json", "sidecar.prom"} {
		data := read(f, n)
		f.Add(data)
		f.Add(data[:len(data)/2])
	}
	f.Add([]byte(`a{b="c\"d\\",e="\n"} 1 123`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Parse(data)
		if err != nil {
			if s != nil {
				t.Fatal("a Set with an error")
			}
			if strings.ContainsRune(err.Error(), '\n') {
				t.Fatalf("a multi-line error: %q", err)
			}
			return
		}
		if len(s.Stats) == 0 && s.Format != FormatJSON { // {"stats":[]} is what a filter matching nothing gives
			t.Fatal("a Set without stats")
		}
		for _, stat := range []string{UpdateRejected, NoRoute, UpstreamCxConnectFail} {
			_ = s.PerXDS(stat)
			_ = s.PerCluster(stat)
			_ = s.PerHTTP(stat)
		}
		if _, err := json.Marshal(s.Stats); err != nil {
			t.Fatalf("stats do not marshal: %v", err)
		}
		var buf bytes.Buffer
		if err := WritePrometheus(&buf, s.Stats); err != nil {
			t.Fatal(err)
		}
	})
}
