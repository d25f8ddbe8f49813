package kubetest

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xdsctl/xdsctl/internal/adminemu"
)

// EnvoyAdmin is an EMULATION of Envoy's admin API, not Envoy: an HTTP server on 127.0.0.1 that
// answers the admin paths xdsctl reads from a saved dump, the way Envoy does:
//
//   - /config_dump: the dump; EndpointsConfigDump sections only with ?include_eds (served byte for
//     byte when nothing has to be left out); ?resource=<field> (each element of that field, with
//     its @type, as Envoy does); ?mask=<f1>,<f2> (top-level fields of each section, @type kept)
//   - /clusters?format=json: WithClustersFile, else an empty cluster_statuses list
//   - /server_info: LIVE, with the node of the dump's bootstrap
//   - /ready: "LIVE"
//   - /logging: POST only (GET answers 405, as Envoy's mutating endpoints do); no query lists the
//     loggers; ?level=<l> sets all; ?<logger>=<l> sets one; ?paths=<logger>:<l>,... sets several;
//     an unknown logger or level answers 404 with Envoy's usage text. Levels are remembered.
//
// Faults (SetFault) make it hang, die mid-response, answer non-200 or answer slowly. It counts
// connections and requests, so tests can check that one connection served every request.
type EnvoyAdmin struct {
	t        testing.TB
	ln       net.Listener
	srv      *http.Server
	closing  chan struct{}
	closeOne sync.Once
	dump     []byte
	clusters []byte

	mu       sync.Mutex
	fault    Fault
	loggers  *adminemu.Loggers
	requests []AdminRequest
	seen     map[net.Conn]bool

	conns    atomic.Int64
	inFlight atomic.Int64
	maxIn    atomic.Int64
}

// AdminRequest is one request the emulator served.
type AdminRequest struct {
	Method string
	Path   string // with the query, e.g. /config_dump?include_eds
}

// Fault is how the emulator misbehaves. The zero value answers normally.
type Fault struct {
	// Hang accepts the request and never answers (until the client gives up or the server closes).
	Hang bool
	// Status answers with this HTTP status and Body instead of the real answer.
	Status int
	Body   string
	// DieAfter > 0 sends the headers (with the full Content-Length) and this many bytes of the
	// body, then drops the connection. Note: kwok (v0.8) does not pass a connection closed on the
	// pod side on to the port-forward client (its tunnel waits for both directions to end), so
	// through a pod the client sees a stall, as with StallAfter; --admin sees the drop.
	DieAfter int
	// StallAfter > 0 sends the headers and this many bytes of the body, then sends nothing more.
	StallAfter int
	// Delay answers after this long.
	Delay time.Duration
	// Paths limits the fault to requests whose path starts with one of these (default: all).
	Paths []string
}

// EnvoyAdminOption configures NewEnvoyAdmin.
type EnvoyAdminOption func(*EnvoyAdmin)

// WithClustersFile serves path as /clusters?format=json.
func WithClustersFile(path string) EnvoyAdminOption {
	return func(a *EnvoyAdmin) { a.clusters = mustRead(a.t, path) }
}

// WithDump serves data as the dump (instead of a file).
func WithDump(data []byte) EnvoyAdminOption { return func(a *EnvoyAdmin) { a.dump = data } }

// WithLogLevel starts every logger at level (default info, Envoy's default).
func WithLogLevel(level string) EnvoyAdminOption {
	return func(a *EnvoyAdmin) {
		a.loggers.SetAll(level)
	}
}

// EnvoyLoggers are the logger names the emulator knows (a subset of Envoy's).
var EnvoyLoggers = adminemu.EnvoyLoggers

// NewEnvoyAdmin starts the emulator serving the dump in dumpFile ("" for an empty dump) on a free
// loopback port. It stops when the test ends.
func NewEnvoyAdmin(t testing.TB, dumpFile string, opts ...EnvoyAdminOption) *EnvoyAdmin {
	t.Helper()
	a := &EnvoyAdmin{t: t, closing: make(chan struct{}), loggers: adminemu.NewLoggers(), seen: map[net.Conn]bool{}}
	if dumpFile != "" {
		a.dump = mustRead(t, dumpFile)
	} else {
		a.dump = []byte(`{"configs":[]}`)
	}
	for _, o := range opts {
		o(a)
	}
	if a.clusters == nil {
		a.clusters = []byte(`{"cluster_statuses":[]}`)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("kubetest: EnvoyAdmin: %v", err)
	}
	a.ln = ln
	a.srv = &http.Server{
		Handler:           a,
		ReadHeaderTimeout: 10 * time.Second,
		ConnState: func(c net.Conn, s http.ConnState) {
			// count connections that carry a request (a port-forward probe opens one that does not)
			a.mu.Lock()
			defer a.mu.Unlock()
			switch s {
			case http.StateActive:
				if !a.seen[c] {
					a.seen[c] = true
					a.conns.Add(1)
				}
			case http.StateClosed, http.StateHijacked:
				delete(a.seen, c)
			}
		},
	}
	go func() { _ = a.srv.Serve(ln) }()
	t.Cleanup(a.Close)
	return a
}

func mustRead(t testing.TB, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("kubetest: EnvoyAdmin: %v", err)
	}
	return data
}

// Addr is the emulator's host:port (the target of a PortForward rule).
func (a *EnvoyAdmin) Addr() string { return a.ln.Addr().String() }

// URL is the emulator's base URL, for --admin.
func (a *EnvoyAdmin) URL() string { return "http://" + a.Addr() }

// Close stops the emulator: later connections are refused. Hanging requests are released.
func (a *EnvoyAdmin) Close() {
	a.closeOne.Do(func() {
		close(a.closing)
		_ = a.srv.Close()
	})
}

// SetFault makes later requests misbehave as f says (Fault{} restores normal answers).
func (a *EnvoyAdmin) SetFault(f Fault) {
	a.mu.Lock()
	a.fault = f
	a.mu.Unlock()
}

// Requests are the requests served so far, in order.
func (a *EnvoyAdmin) Requests() []AdminRequest {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]AdminRequest(nil), a.requests...)
}

// Connections is how many TCP connections carried at least one request.
func (a *EnvoyAdmin) Connections() int { return int(a.conns.Load()) }

// MaxInFlight is the largest number of requests it was serving at once.
func (a *EnvoyAdmin) MaxInFlight() int { return int(a.maxIn.Load()) }

// Loggers returns the current logger levels.
func (a *EnvoyAdmin) Loggers() map[string]string { return a.loggers.Levels() }

// ServeHTTP implements the admin paths.
func (a *EnvoyAdmin) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := a.inFlight.Add(1)
	defer a.inFlight.Add(-1)
	for {
		m := a.maxIn.Load()
		if n <= m || a.maxIn.CompareAndSwap(m, n) {
			break
		}
	}
	a.mu.Lock()
	a.requests = append(a.requests, AdminRequest{Method: r.Method, Path: r.URL.RequestURI()})
	f := a.fault
	a.mu.Unlock()

	if f.applies(r.URL.Path) {
		if f.Delay > 0 {
			select {
			case <-time.After(f.Delay):
			case <-r.Context().Done():
				return
			case <-a.closing:
				return
			}
		}
		switch {
		case f.Hang:
			select {
			case <-r.Context().Done():
			case <-a.closing:
			}
			return
		case f.Status != 0:
			w.Header().Set("Content-Type", "text/plain")
			w.WriteHeader(f.Status)
			_, _ = io.WriteString(w, f.Body)
			return
		}
	}
	status, ctype, body := a.answer(r)
	if f.applies(r.URL.Path) && (f.DieAfter > 0 || f.StallAfter > 0) {
		a.partial(w, ctype, body, max(f.DieAfter, f.StallAfter), f.StallAfter > 0)
		return
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func (f Fault) applies(path string) bool {
	if len(f.Paths) == 0 {
		return true
	}
	for _, p := range f.Paths {
		if strings.HasPrefix(path, p) {
			return true
		}
	}
	return false
}

// partial announces the whole body and sends n bytes of it; then it drops the connection, or
// (stall) keeps it open, sending nothing, until the client gives up.
func (a *EnvoyAdmin) partial(w http.ResponseWriter, ctype string, body []byte, n int, stall bool) {
	if n > len(body) {
		n = len(body) / 2
	}
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic("kubetest: EnvoyAdmin: connection cannot be hijacked")
	}
	conn, buf, err := hj.Hijack()
	if err != nil {
		return
	}
	defer conn.Close()
	fmt.Fprintf(buf, "HTTP/1.1 200 OK\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n", ctype, len(body))
	_, _ = buf.Write(body[:n])
	_ = buf.Flush()
	if !stall {
		return
	}
	done := make(chan struct{})
	go func() {
		_, _ = io.Copy(io.Discard, conn) // until the client closes
		close(done)
	}()
	select {
	case <-done:
	case <-a.closing:
	}
}

func (a *EnvoyAdmin) answer(r *http.Request) (int, string, []byte) {
	const jsonType, textType = "application/json", "text/plain; charset=UTF-8"
	q := r.URL.Query()
	switch r.URL.Path {
	case "/config_dump":
		status, body := adminemu.ConfigDump(a.dump, q)
		return status, jsonType, body
	case "/clusters":
		if q.Get("format") == "json" {
			return http.StatusOK, jsonType, a.clusters
		}
		return http.StatusOK, textType, []byte("")
	case "/server_info":
		return http.StatusOK, jsonType, adminemu.ServerInfo(a.dump)
	case "/ready":
		return http.StatusOK, textType, []byte("LIVE\n")
	case "/logging":
		status, body := a.loggers.Serve(r.Method, q)
		return status, textType, body
	}
	return http.StatusNotFound, textType, []byte("invalid path. admin commands are:\n  /clusters\n  /config_dump\n  /logging\n  /ready\n  /server_info\n")
}
