package trace

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/xdsctl/xdsctl/internal/admin"
	"github.com/xdsctl/xdsctl/internal/adminhttp"
	"github.com/xdsctl/xdsctl/internal/cmdutil"
	"github.com/xdsctl/xdsctl/internal/iostreams"
	"github.com/xdsctl/xdsctl/internal/testutil"
)

// adminResolver resolves --admin URLs to HTTP admin clients, as the real resolver does.
type adminResolver struct{}

func (adminResolver) Resolve(_ context.Context, q cmdutil.TargetQuery) ([]admin.Target, error) {
	c, err := adminhttp.New(q.AdminURL, adminhttp.Options{})
	if err != nil {
		return nil, err
	}
	return []admin.Target{{Name: q.AdminURL, Client: c}}, nil
}

// TestTraceLiveAdmin traces through an emulated Envoy admin API (an httptest server serving a
// saved dump and a /clusters answer: not Envoy): trace fetches /config_dump?include_eds and
// /clusters?format=json, and takes endpoint health from /clusters.
func TestTraceLiveAdmin(t *testing.T) {
	dump, err := os.ReadFile(front)
	require.NoError(t, err)
	clusters := `{"cluster_statuses":[{"name":"service1","host_statuses":[
 {"address":{"socket_address":{"address":"10.0.0.5","port_value":8000}},"health_status":{"eds_health_status":"HEALTHY"}},
 {"address":{"socket_address":{"address":"10.0.0.6","port_value":8000}},"health_status":{"eds_health_status":"UNHEALTHY"}}]}]}`
	var mu sync.Mutex
	var paths []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		paths = append(paths, r.URL.RequestURI())
		mu.Unlock()
		switch r.URL.Path {
		case "/config_dump":
			_, _ = w.Write(dump)
		case "/clusters":
			_, _ = w.Write([]byte(clusters))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	ios, _, out, errOut := iostreams.Test()
	f := &cmdutil.Factory{IOStreams: ios, Now: time.Now, Resolver: func() (cmdutil.TargetResolver, error) { return adminResolver{}, nil }}
	cmd := NewCmdTrace(f, nil)
	cmd.SetArgs([]string{"--admin", srv.URL, "--to", "10.0.0.1:8080", "--path", "/service/1"})
	cmd.SetOut(out)
	cmd.SetErr(errOut)
	require.NoError(t, cmd.ExecuteContext(context.Background()))
	require.Empty(t, errOut.String())
	mu.Lock()
	defer mu.Unlock()
	require.ElementsMatch(t, []string{"/config_dump?include_eds", "/clusters?format=json"}, paths)
	testutil.Golden(t, filepath.Join("testdata", "trace", "live-admin-clusters-health.short.golden"), out.Bytes())
}

// twoProxies resolves -l to two proxies behind emulated admin APIs, the second of which fails.
type twoProxies struct{ url string }

func (r twoProxies) Resolve(_ context.Context, _ cmdutil.TargetQuery) ([]admin.Target, error) {
	c, err := adminhttp.New(r.url, adminhttp.Options{})
	if err != nil {
		return nil, err
	}
	bad, err := adminhttp.New("http://127.0.0.1:1", adminhttp.Options{})
	if err != nil {
		return nil, err
	}
	return []admin.Target{{Name: "a.default", Client: c}, {Name: "b.default", Client: bad}}, nil
}

// With several proxies each is traced under its name; one that cannot be read is listed at the
// end and fails the command, the others are still shown.
func TestTraceSeveralProxies(t *testing.T) {
	dump, err := os.ReadFile(front)
	require.NoError(t, err)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/config_dump":
			_, _ = w.Write(dump)
		case "/clusters":
			_, _ = w.Write([]byte(`{"cluster_statuses":[]}`))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	ios, _, out, errOut := iostreams.Test()
	f := &cmdutil.Factory{IOStreams: ios, Now: time.Now, Resolver: func() (cmdutil.TargetResolver, error) { return twoProxies{srv.URL}, nil }}
	cmd := NewCmdTrace(f, nil)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	cmd.SetArgs([]string{"-l", "app=front", "--to", "10.0.0.1:8080", "--path", "/service/1", "--jq", ".[] | {proxy, cluster: .trace.cluster}"})
	cmd.SetOut(out)
	cmd.SetErr(errOut)
	err = cmd.ExecuteContext(context.Background())
	require.ErrorIs(t, err, cmdutil.SilentError, errOut.String())
	require.Contains(t, out.String(), `"proxy": "a.default"`, errOut.String())
	require.Contains(t, out.String(), `"cluster": "service1"`)
	require.Contains(t, errOut.String(), "Error: 1 of 2 proxies failed:\n  b.default: ")
}
