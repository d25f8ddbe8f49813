package ui

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xdsctl/xdsctl/internal/cmdutil"
	"github.com/xdsctl/xdsctl/internal/iostreams"
	"github.com/xdsctl/xdsctl/pkg/uiapi"
)

// serve runs xdsctl ui with o's source until the test ends and returns the printed URL.
func serve(t testing.TB, o *Options) string {
	t.Helper()
	ios, _, out, _ := iostreams.Test()
	o.IO = ios
	if o.Address == "" {
		o.Address = "127.0.0.1"
	}
	ready := make(chan string, 1)
	o.ready = func(url string) { ready <- url }
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- o.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		require.NoError(t, <-done)
	})
	select {
	case url := <-ready:
		assert.Equal(t, url+"\n", out.String(), "stdout is the URL alone")
		return url
	case err := <-done:
		t.Fatalf("ui stopped: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("ui did not start")
	}
	return ""
}

func do(t *testing.T, method, url, host string, header http.Header) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	require.NoError(t, err)
	if host != "" {
		req.Host = host
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

func TestServeDemo(t *testing.T) {
	url := serve(t, &Options{Demo: true})
	require.True(t, strings.HasPrefix(url, "http://127.0.0.1:"), url)

	code, body := do(t, http.MethodGet, url, "", nil)
	assert.Equal(t, http.StatusOK, code)
	assert.Contains(t, body, "<script", "the page is served")

	resp, err := http.Get(url)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Contains(t, resp.Header.Get("Content-Security-Policy"), "default-src 'self'", "nothing loads from elsewhere")
	assert.Equal(t, "DENY", resp.Header.Get("X-Frame-Options"), "no other site frames the page")

	code, body = do(t, http.MethodGet, url+"api/overview", "", nil)
	assert.Equal(t, http.StatusOK, code)
	assert.Contains(t, body, `"source": "demo proxy"`)

	// Another site's script asking for a refresh sends a CORS preflight first: it gets no CORS
	// allowance.
	code, _ = do(t, http.MethodOptions, url+"api/refresh", "", http.Header{"Origin": {"http://evil.example"}, "Access-Control-Request-Method": {"POST"}})
	assert.NotEqual(t, http.StatusOK, code)

	code, _ = do(t, http.MethodGet, url+"api/cluster/nope", "", nil)
	assert.Equal(t, http.StatusNotFound, code)

	// Findings and a trace, through the server.
	code, body = do(t, http.MethodGet, url+"api/findings", "", nil)
	assert.Equal(t, http.StatusOK, code)
	assert.Contains(t, body, `"XDS0601"`)
	code, body = do(t, http.MethodGet, url+"api/trace?to=10.96.0.10:9080&host=reviews", "", nil)
	assert.Equal(t, http.StatusOK, code)
	assert.Contains(t, body, `"cluster": "outbound|9080|v1|reviews.default.svc.cluster.local"`)
	code, _ = do(t, http.MethodGet, url+"api/trace?to=reviews", "", nil)
	assert.Equal(t, http.StatusBadRequest, code)

	code, _ = do(t, http.MethodPost, url+"api/overview", "", nil)
	assert.Equal(t, http.StatusMethodNotAllowed, code, "read-only")

	code, _ = do(t, http.MethodPost, url+"api/refresh", "", http.Header{refreshHeader: {"1"}})
	assert.Equal(t, http.StatusConflict, code, "the demo does not change")
}

// TestDNSRebinding: a page of another site whose name resolves to 127.0.0.1 reaches the port,
// but its requests carry its own name in Host; they get nothing.
func TestDNSRebinding(t *testing.T) {
	url := serve(t, &Options{Demo: true})
	port := url[strings.LastIndex(url, ":")+1 : len(url)-1]
	for _, host := range []string{"evil.example:" + port, "evil.example", "localhost:" + port, "127.0.0.1", "127.0.0.1:1"} {
		for _, path := range []string{"", "api/overview", "api/resource/listener/virtualInbound", "api/findings", "api/trace?to=10.96.0.10:9080"} {
			code, body := do(t, http.MethodGet, url+path, host, nil)
			assert.Equal(t, http.StatusMisdirectedRequest, code, "Host %s, /%s", host, path)
			assert.NotContains(t, body, "sidecar~", "Host %s, /%s", host, path)
		}
	}
	code, _ := do(t, http.MethodGet, url+"api/overview", "127.0.0.1:"+port, nil)
	assert.Equal(t, http.StatusOK, code, "the printed host is served")
}

func TestServeFile(t *testing.T) {
	url := serve(t, &Options{Source: cmdutil.SourceOptions{File: "../../../testdata/dumps/istio/proxyconfig__config_dump.json"}})
	code, body := do(t, http.MethodGet, url+"api/listeners", "", nil)
	assert.Equal(t, http.StatusOK, code)
	assert.Contains(t, body, `"name"`)
}

// TestRefreshOnDemand: a live source is read at start and once per refresh request, never on
// its own; a refresh without the header (another site's form) reads nothing.
func TestRefreshOnDemand(t *testing.T) {
	dump, err := os.ReadFile("../../../testdata/dumps/istio/proxyconfig__config_dump.json")
	require.NoError(t, err)
	var reads atomic.Int32
	s := &server{host: "h:1", live: true, load: func(context.Context) (*uiapi.API, error) {
		reads.Add(1)
		return uiapi.New(uiapi.Source{Name: "pod", Dump: dump, Live: true})
	}}
	a, err := s.load(context.Background())
	require.NoError(t, err)
	s.store(a)
	srv := s.handler()
	call := func(method, path string, h http.Header) int {
		req, _ := http.NewRequest(method, "http://h:1"+path, nil)
		for k, v := range h {
			req.Header[k] = v
		}
		rec := &recorder{header: http.Header{}}
		srv.ServeHTTP(rec, req)
		return rec.code
	}
	assert.Equal(t, http.StatusOK, call(http.MethodGet, "/api/overview", nil))
	time.Sleep(50 * time.Millisecond)
	assert.Equal(t, int32(1), reads.Load(), "no reads besides the first")
	assert.Equal(t, http.StatusForbidden, call(http.MethodPost, "/api/refresh", nil))
	assert.Equal(t, int32(1), reads.Load())
	assert.Equal(t, http.StatusOK, call(http.MethodPost, "/api/refresh", http.Header{refreshHeader: {"1"}}))
	assert.Equal(t, int32(2), reads.Load(), "one read per refresh")
}

type recorder struct {
	header http.Header
	code   int
}

func (r *recorder) Header() http.Header { return r.header }
func (r *recorder) Write(b []byte) (int, error) {
	if r.code == 0 {
		r.code = http.StatusOK
	}
	return len(b), nil
}
func (r *recorder) WriteHeader(c int) { r.code = c }

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		o    Options
		args []string
		want string
	}{
		{"nothing", Options{}, nil, "give a <pod>"},
		{"two sources", Options{Demo: true, Source: cmdutil.SourceOptions{File: "x"}}, nil, "only one of"},
		{"not loopback", Options{Demo: true, Address: "192.0.2.7"}, nil, "not a loopback address"},
		{"bad port", Options{Demo: true, Address: "127.0.0.1", Port: 70000}, nil, "--port"},
		{"allowed remote", Options{Demo: true, Address: "192.0.2.7", AllowRemote: true}, nil, ""},
		{"unspecified", Options{Demo: true, Address: "0.0.0.0", AllowRemote: true}, nil, "names no host"},
		{"unspecified v6", Options{Demo: true, Address: "::", AllowRemote: true}, nil, "names no host"},
		{"ipv6 loopback", Options{Demo: true, Address: "::1"}, nil, ""},
		{"ipv6 loopback in brackets", Options{Demo: true, Address: "[::1]"}, nil, ""},
		{"address with a port", Options{Demo: true, Address: "127.0.0.1:8080"}, nil,
			`--address "127.0.0.1:8080" has a port: give the address alone and the port with --port 8080`},
		{"ipv6 address with a port", Options{Demo: true, Address: "[::1]:8080"}, nil, "the port with --port 8080"},
		{"listen everywhere", Options{Demo: true, Address: "0.0.0.0"}, nil, "names no host"},
		{"file", Options{Address: "localhost", Source: cmdutil.SourceOptions{File: "x", Timeout: time.Second}}, nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.o.validate(tc.args)
			if tc.want == "" {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

// TestAddressWithPortIsUsage: an address given with its port is a usage error (exit 2).
func TestAddressWithPortIsUsage(t *testing.T) {
	err := (&Options{Demo: true, Address: "localhost:8080"}).validate(nil)
	var fe *cmdutil.FlagError
	require.ErrorAs(t, err, &fe)
}

// TestPortInUse: a port another server holds is one line naming it, with what to do.
func TestPortInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	ios, _, out, _ := iostreams.Test()
	err = (&Options{IO: ios, Demo: true, Address: "127.0.0.1", Port: port}).Run(context.Background())
	require.Error(t, err)
	assert.Equal(t, fmt.Sprintf("cannot serve on 127.0.0.1:%d: bind: address already in use", port), err.Error())
	assert.Equal(t, "pick another --port, or --port 0 to let the system choose", cmdutil.HintOf(err))
	assert.Empty(t, out.String(), "no URL: nothing is served")
}

// TestCtrlC: Ctrl-C (the command's context ends) stops the server cleanly: Run returns no error,
// so xdsctl exits 0, and the port is free again.
func TestCtrlC(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	ready := make(chan string, 1)
	o := &Options{IO: ios, Demo: true, Address: "127.0.0.1", ready: func(u string) { ready <- u }}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- o.Run(ctx) }()
	u := <-ready
	cancel()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(5 * time.Second):
		t.Fatal("ui did not stop")
	}
	_, err := http.Get(u)
	assert.Error(t, err, "nothing serves after Ctrl-C")
}
