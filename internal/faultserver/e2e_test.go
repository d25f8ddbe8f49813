package faultserver_test

// End-to-end: xdsctl runs in-process (root.Run, as main does) against the fault servers, with a
// small --max-response so the tests are quick. Each case checks the exit code, what xdsctl said,
// that it ended within its timeout + 100 ms, and its memory against the limit: the peak of the
// live heap (runtime/metrics, sampled every millisecond) and everything it allocated
// (runtime.MemStats.TotalAlloc, which bounds the peak even between samples).

import (
	"bytes"
	"context"
	"fmt"
	"log"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xdsctl/xdsctl/internal/cmd/root"
	"github.com/xdsctl/xdsctl/internal/faultserver"
	"github.com/xdsctl/xdsctl/internal/iostreams"
)

const limit = 8 << 20 // --max-response 8Mi

type result struct {
	code           int
	stdout, stderr string
	took           time.Duration
	alloc          uint64 // bytes allocated while xdsctl ran
	peak           uint64 // the live heap's peak above where it started
}

func (r result) String() string {
	return fmt.Sprintf("exit %d after %s, %d MiB allocated, heap peak +%d MiB\n--- stdout\n%s--- stderr\n%s", r.code, r.took.Round(time.Millisecond), r.alloc>>20, r.peak>>20, r.stdout, r.stderr)
}

// xdsctl runs a command line in-process and measures it.
func xdsctl(t *testing.T, args ...string) result {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	f := root.NewFactory(ios)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	base := heapObjects()
	var peak atomic.Uint64
	done := make(chan struct{})
	sampled := make(chan struct{})
	go func() { // the live heap's peak
		defer close(sampled)
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			if h := heapObjects(); h > base && h-base > peak.Load() {
				peak.Store(h - base)
			}
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	start := time.Now()
	code := root.Run(context.Background(), f, args)
	took := time.Since(start)
	close(done)
	<-sampled
	runtime.ReadMemStats(&after)
	return result{code: code, stdout: out.String(), stderr: errOut.String(), took: took, alloc: after.TotalAlloc - before.TotalAlloc, peak: peak.Load()}
}

// heapObjects is the bytes of live and not yet swept heap objects.
func heapObjects() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// port hides the loopback port of a server URL, for messages compared as text.
var port = regexp.MustCompile(`127\.0\.0\.1:\d+`)

func TestHostileAdminAPI(t *testing.T) {
	hintLimit := "Hint: if the proxy really holds that much configuration, raise --max-response (e.g. --max-response 16Mi)\n"
	hintTimeout := "Hint: the proxy is slow or stuck, or the dump is very large; raise --timeout (default 10s)\n"
	hintHTML := "Hint: something in front of the admin port answered (a web proxy, gateway or login page): point xdsctl at Envoy's admin port itself (in a pod 15000, else often 9901)\n"
	for _, tc := range []struct {
		name    string
		url     string
		args    []string      // after --admin URL
		timeout time.Duration // --timeout (default 5s)
		stderr  string        // with ADDR for the server's address
		code    int
		alloc   uint64 // at most this many bytes allocated
	}{
		{
			name: "2 GB of spaces", url: faultserver.HTTP(t, faultserver.Endless(2e9)),
			args: []string{"pc", "clusters", "--max-response", "8Mi"}, code: 1, alloc: 3 * limit,
			stderr: "Error: fetch /config_dump from http://ADDR: the answer is larger than the 8 MiB limit of --max-response\n" + hintLimit,
		},
		{
			name: "/clusters: 2 GB of spaces", url: faultserver.HTTP(t, faultserver.Endless(2e9)),
			args: []string{"pc", "endpoints", "--max-response", "8Mi"}, code: 1, alloc: 3 * limit,
			stderr: "Error: fetch /clusters?format=json from http://ADDR: the answer is larger than the 8 MiB limit of --max-response\n" + hintLimit,
		},
		{
			name: "/stats: 2 GB of spaces", url: faultserver.HTTP(t, faultserver.Endless(2e9)),
			args: []string{"pc", "stats", "--max-response", "8Mi"}, code: 1, alloc: 3 * limit,
			stderr: "Error: fetch /stats?format=json from http://ADDR: the answer is larger than the 8 MiB limit of --max-response\n" + hintLimit,
		},
		{
			name: "Content-Length over the limit", url: faultserver.HTTP(t, faultserver.Declared(2_000_000_000, "{")),
			args: []string{"pc", "clusters", "--max-response", "8Mi"}, code: 1, alloc: 4 << 20,
			stderr: "Error: fetch /config_dump from http://ADDR: the answer is 1907 MiB, more than the 8 MiB limit of --max-response\n" + hintLimit,
		},
		{
			// within the default 1 GiB limit: nothing is reserved for it, and the timeout holds
			name: "Content-Length of 1 GB and no body", url: faultserver.HTTP(t, faultserver.Declared(1_000_000_000, "{")),
			args: []string{"pc", "clusters"}, timeout: 300 * time.Millisecond, code: 1, alloc: 64<<20 + 8<<20,
			stderr: "Error: fetch /config_dump from http://ADDR: timed out reading the answer after 1 bytes: timeout\n" + hintTimeout,
		},
		{
			name: "gzip bomb", url: faultserver.HTTP(t, faultserver.GzipBomb(100<<20)),
			args: []string{"pc", "clusters", "--max-response", "8Mi"}, code: 1, alloc: 3 * limit,
			stderr: "Error: fetch /config_dump from http://ADDR: the answer is larger than the 8 MiB limit of --max-response\n" + hintLimit,
		},
		{
			name: "trickle", url: faultserver.HTTP(t, faultserver.Trickle(4096, 2*time.Millisecond)),
			args: []string{"pc", "clusters"}, timeout: 500 * time.Millisecond, code: 1, alloc: 8 << 20,
			stderr: "Error: fetch /config_dump from http://ADDR: timed out reading the answer after NN bytes: timeout\n" + hintTimeout,
		},
		{
			name: "endless headers", url: faultserver.Raw(t, faultserver.EndlessHeaders),
			args: []string{"pc", "clusters"}, code: 1, alloc: 8 << 20,
			stderr: "Error: fetch /config_dump from http://ADDR: the answer's headers are larger than 1 MiB\nHint: is that port Envoy's admin API?\n",
		},
		{
			name: "500 with an HTML page", url: faultserver.HTTP(t, faultserver.Page(500, "Internal Server Error")),
			args: []string{"pc", "clusters"}, code: 1, alloc: 4 << 20,
			stderr: "Error: fetch /config_dump from http://ADDR: answered 500 Internal Server Error with an HTML page (\"Internal Server Error\"), not Envoy's admin API\n" + hintHTML,
		},
		{
			name: "200 with a login page", url: faultserver.HTTP(t, faultserver.Page(200, "Sign in")),
			args: []string{"pc", "listeners"}, code: 1, alloc: 4 << 20,
			stderr: "Error: fetch /config_dump from http://ADDR: answered with an HTML page (\"Sign in\"), not Envoy's admin API (a proxy or login page in front of it?)\n" + hintHTML,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			timeout := tc.timeout
			if timeout == 0 {
				timeout = 5 * time.Second
			}
			r := xdsctl(t, append(tc.args, "--admin", tc.url, "--timeout", timeout.String())...)
			got := port.ReplaceAllString(r.stderr, "ADDR")
			got = regexp.MustCompile(`after \d+ bytes`).ReplaceAllString(got, map[bool]string{true: "after NN bytes", false: "$0"}[strings.Contains(tc.stderr, "NN bytes")])
			if r.code != tc.code || got != tc.stderr || r.stdout != "" {
				t.Fatalf("%s\nwant exit %d and stderr\n%s", r, tc.code, tc.stderr)
			}
			if r.alloc > tc.alloc || r.peak > tc.alloc {
				t.Errorf("allocated %d MiB, heap peak +%d MiB; want at most %d MiB", r.alloc>>20, r.peak>>20, tc.alloc>>20)
			}
			if tc.timeout > 0 && r.took > tc.timeout+100*time.Millisecond {
				t.Errorf("took %s with --timeout %s", r.took, tc.timeout)
			} else if r.took > 2*time.Second {
				t.Errorf("took %s", r.took)
			}
		})
	}
}

const dump = `{"configs":[]}`

// TestRedirects: a redirect to another host is refused (its answer would be shown as the proxy's);
// one to the same host is followed.
func TestRedirects(t *testing.T) {
	elsewhere := faultserver.HTTP(t, faultserver.Declared(int64(len(dump)), dump))
	r := xdsctl(t, "pc", "all", "-o", "json", "--admin", faultserver.HTTP(t, faultserver.Redirect(elsewhere)), "--timeout", "2s")
	want := "Error: fetch /config_dump?include_eds from http://ADDR: redirected to http://ADDR/config_dump, another host than ADDR\n" +
		"Hint: xdsctl shows only what the admin API itself answers; point --admin at the proxy's admin port, not at something that redirects\n"
	if got := port.ReplaceAllString(r.stderr, "ADDR"); r.code != 1 || got != want || r.stdout != "" {
		t.Fatalf("%s\nwant exit 1 and\n%s", r, want)
	}

	var self string
	mux := faultserver.HTTP(t, httpMux(func(path string) (string, string) {
		if path == "/prefix/config_dump" {
			return "", dump
		}
		return self + "/prefix" + path, ""
	}))
	self = mux
	r = xdsctl(t, "pc", "all", "-o", "json", "--admin", mux, "--timeout", "2s")
	if r.code != 0 || !strings.Contains(r.stdout, `"configs"`) {
		t.Fatalf("same-host redirect not followed:\n%s", r)
	}
}

// TestNoStrayOutput: bytes a server sends after its answer make Go's HTTP transport log
// "Unsolicited response received on idle HTTP channel" when the connection is kept for reuse;
// xdsctl's standard error carries only its own lines.
func TestNoStrayOutput(t *testing.T) {
	var logged bytes.Buffer
	log.SetOutput(&logged)
	defer log.SetOutput(os.Stderr)
	url := faultserver.Raw(t, faultserver.JunkAfter(dump, "HTTP/1.1 200 OK\r\nX-Evil: 1\r\n\r\n<script>"))
	r := xdsctl(t, "pc", "all", "-o", "json", "--admin", url, "--timeout", "2s")
	time.Sleep(100 * time.Millisecond) // the transport's read loop would log after the answer
	if r.code != 0 || r.stderr != "" || logged.Len() != 0 {
		t.Fatalf("%s\nlogged: %q", r, logged.String())
	}
}

// TestSaveRefusesNonDump: `pc all --save` against a login page exits 1 and writes nothing.
func TestSaveRefusesNonDump(t *testing.T) {
	out := filepath.Join(t.TempDir(), "dump.json")
	r := xdsctl(t, "pc", "all", "--save", out, "--admin", faultserver.HTTP(t, faultserver.Page(200, "Sign in")), "--timeout", "2s")
	if r.code != 1 || !strings.Contains(r.stderr, "answered with an HTML page") {
		t.Fatalf("%s", r)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("%s was written", out)
	}
	notDump := `{"stats":[{"name":"x","value":1}]}`
	r = xdsctl(t, "pc", "all", "--save", out, "--admin", faultserver.HTTP(t, faultserver.Declared(int64(len(notDump)), notDump)), "--timeout", "2s")
	if r.code != 1 || !strings.Contains(r.stderr, "not saved to") {
		t.Fatalf("%s", r)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("%s was written", out)
	}
}

// httpMux answers a path with a redirect to the first value, or a 200 with the second.
type httpMux func(path string) (redirect, body string)

func (m httpMux) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	to, body := m(r.URL.Path)
	if to != "" {
		http.Redirect(w, r, to, http.StatusFound)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(body))
}

// TestHTTP1BehindXDSAddress: an HTTP/1 server at --xds-address with --plaintext is named as such
// (the hint used to say "drop --plaintext").
func TestHTTP1BehindXDSAddress(t *testing.T) {
	url := faultserver.HTTP(t, http.NotFoundHandler())
	addr := strings.TrimPrefix(url, "http://")
	r := xdsctl(t, "proxy-status", "--xds-address", addr, "--plaintext", "--timeout", "2s")
	want := "Error: ask for client status (CSDS) from CSDS server at ADDR: an HTTP/1 server answered, not a gRPC server\n" +
		"Hint: check that --xds-address is the control plane's gRPC xDS port (istiod: 15010 plaintext, 15012 TLS; the bundled control plane: 18000), not an HTTP port (istiod's 15014) or an Envoy admin API\n"
	if got := port.ReplaceAllString(r.stderr, "ADDR"); r.code != 1 || got != want {
		t.Fatalf("%s\nwant exit 1 and\n%s", r, want)
	}
	if r.took > time.Second {
		t.Errorf("took %s", r.took)
	}
}

// TestNotAdminOutput: a 200 answer that is neither HTML nor admin output asks whether it came from
// Envoy's admin API.
func TestNotAdminOutput(t *testing.T) {
	body := "Unauthorized: sign in at https://sso.example"
	url := faultserver.HTTP(t, faultserver.Declared(int64(len(body)), body))
	r := xdsctl(t, "pc", "clusters", "--admin", url, "--timeout", "2s")
	// the first line is configdump's (what the input is not); the hint is the point here
	hint := "\nHint: is that Envoy's admin API? A proxy, gateway or login page in front of it may have answered; check the address and port\n"
	if got := port.ReplaceAllString(r.stderr, "ADDR"); r.code != 1 || !strings.HasPrefix(got, "Error: http://ADDR: input is not ") || !strings.HasSuffix(got, hint) {
		t.Fatalf("%s\nwant exit 1, Error: http://ADDR: input is not ..., and%s", r, hint)
	}
}
