package adminhttp

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/xdsctl/xdsctl/internal/admin"
)

func TestParseURL(t *testing.T) {
	cases := []struct{ in, want, wantErr string }{
		{in: "http://127.0.0.1:9901", want: "http://127.0.0.1:9901"},
		{in: "127.0.0.1:9901", want: "http://127.0.0.1:9901"},
		{in: "localhost:19000/", want: "http://localhost:19000"},
		{in: "https://envoy.example:8443/admin/", want: "https://envoy.example:8443/admin"},
		{in: "ftp://x", wantErr: `invalid admin URL "ftp://x": the scheme must be http or https`},
		{in: "http://", wantErr: `invalid admin URL "http://": no host`},
		{in: "http://x:9901/?a=b", wantErr: `invalid admin URL "http://x:9901/?a=b": give only scheme, host, port and path prefix`},
		{in: "http://[::1", wantErr: `invalid admin URL "http://[::1"`},
	}
	for _, tc := range cases {
		u, err := ParseURL(tc.in)
		switch {
		case tc.wantErr != "":
			if err == nil || !strings.HasPrefix(err.Error(), tc.wantErr) {
				t.Errorf("%s: error %v, want %q", tc.in, err, tc.wantErr)
			}
		case err != nil || u.String() != tc.want:
			t.Errorf("%s: %v %v, want %s", tc.in, u, err, tc.want)
		}
	}
}

func client(t *testing.T, url string, o Options) *Client {
	t.Helper()
	c, err := New(url, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func TestHTTPClientAnswers(t *testing.T) {
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/config_dump":
			fmt.Fprintf(w, `{"configs":[]} %s %s`, r.Method, r.URL.RawQuery)
		case "/busy":
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprint(w, "\n\n  overloaded: try later  \nsecond line")
		case "/post-only":
			w.WriteHeader(http.StatusMethodNotAllowed)
			fmt.Fprint(w, "Method GET not allowed, POST required.")
		default:
			http.NotFound(w, r)
		}
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	c := client(t, srv.URL, Options{Name: `pod "x" in namespace "y"`})
	ctx := context.Background()
	for i := 0; i < 3; i++ {
		b, err := c.Get(ctx, "/config_dump?include_eds")
		if err != nil || string(b) != `{"configs":[]} GET include_eds` {
			t.Fatalf("%q %v", b, err)
		}
	}
	if b, err := c.Post(ctx, "config_dump"); err != nil || string(b) != `{"configs":[]} POST ` {
		t.Fatalf("POST: %q %v", b, err)
	}
	// one connection per request: a reused one lets Go's transport log a hostile server's bytes
	// after an answer ("Unsolicited response received on idle HTTP channel") to stderr
	if conns.Load() != 4 {
		t.Errorf("%d connections for 4 requests, want 4", conns.Load())
	}
	cases := []struct {
		path, want, hint string
		code             int
	}{
		{"/busy", `fetch /busy from pod "x" in namespace "y": the admin API answered 503 Service Unavailable: overloaded: try later`, "", 503},
		{"/nope", `fetch /nope from pod "x" in namespace "y": the admin API answered 404 Not Found: 404 page not found`, "this Envoy may be too old for that admin path, or the port is not Envoy's admin API", 404},
		{"/post-only", `fetch /post-only from pod "x" in namespace "y": the admin API answered 405 Method Not Allowed: Method GET not allowed, POST required.`, "check the admin port really is Envoy's admin API", 405},
	}
	for _, tc := range cases {
		_, err := c.Get(ctx, tc.path)
		var se *admin.StatusError
		if err == nil || err.Error() != tc.want || !errors.As(err, &se) || se.Code != tc.code {
			t.Errorf("%s: %v, want %q (code %d)", tc.path, err, tc.want, tc.code)
			continue
		}
		var h interface{ UserHint() string }
		gotHint := ""
		if errors.As(err, &h) {
			gotHint = h.UserHint()
		}
		if gotHint != tc.hint {
			t.Errorf("%s: hint %q, want %q", tc.path, gotHint, tc.hint)
		}
	}
}

// rawServer answers every connection with fn, below HTTP, to play broken proxies.
func rawServer(t *testing.T, fn func(net.Conn)) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				_, _ = bufio.NewReader(conn).ReadString('\n') // the request line
				fn(conn)
			}()
		}
	}()
	return "http://" + l.Addr().String()
}

func hintOf(err error) string {
	var h interface{ UserHint() string }
	if errors.As(err, &h) {
		return h.UserHint()
	}
	return ""
}

func TestHTTPClientFailures(t *testing.T) {
	refused := func() string {
		l, _ := net.Listen("tcp", "127.0.0.1:0")
		addr := l.Addr().String()
		l.Close()
		return "http://" + addr
	}()
	midResponse := rawServer(t, func(c net.Conn) {
		fmt.Fprint(c, "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n")
		fmt.Fprint(c, strings.Repeat("x", 100))
	})
	noAnswer := rawServer(t, func(net.Conn) {})
	hang := rawServer(t, func(c net.Conn) { time.Sleep(3 * time.Second) })
	stall := rawServer(t, func(c net.Conn) {
		fmt.Fprint(c, "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n"+strings.Repeat("x", 10))
		time.Sleep(3 * time.Second)
	})
	big := rawServer(t, func(c net.Conn) { fmt.Fprint(c, "HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n") })

	cases := []struct {
		name, url, want, hint string
		is                    error
		timeout               time.Duration
		maxBody               int64
	}{
		{name: "refused", url: refused, want: "fetch /config_dump from " + refused + ": connection refused", is: ErrRefused,
			hint: "is the Envoy admin API listening on that port? Pass --admin with the right port (Envoy often uses 9901, 8001 or 19000)"},
		{name: "mid-response", url: midResponse, want: "fetch /config_dump from " + midResponse + ": the admin API closed the connection mid-response after 100 bytes: connection closed mid-response",
			is: ErrMidResponse, hint: "the proxy may have restarted or run out of memory; try again"},
		{name: "no answer", url: noAnswer, want: "fetch /config_dump from " + noAnswer + ": the admin API closed the connection without answering: connection closed before an answer",
			is: ErrNoAnswer, hint: "is that port Envoy's admin API? Envoy may also be restarting"},
		{name: "hang", url: hang, timeout: 200 * time.Millisecond, want: "fetch /config_dump from " + hang + ": timed out waiting for the admin API to answer: timeout", is: ErrTimeout, hint: HintTimeout},
		{name: "stall", url: stall, timeout: 300 * time.Millisecond, want: "fetch /config_dump from " + stall + ": timed out reading the answer after 10 bytes: timeout", is: ErrTimeout, hint: HintTimeout},
		{name: "too big", url: big, maxBody: 1000, want: "fetch /config_dump from " + big + ": the answer is 5000 bytes, more than the 1000 bytes limit of --max-response",
			is: ErrTooLarge, hint: "if the proxy really holds that much configuration, raise --max-response (e.g. --max-response 2000)"},
		{name: "dns", url: "http://no-such-host.invalid:9901", want: `fetch /config_dump from http://no-such-host.invalid:9901: cannot resolve host "no-such-host.invalid"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := client(t, tc.url, Options{MaxBody: tc.maxBody})
			ctx := context.Background()
			if tc.timeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tc.timeout)
				defer cancel()
			}
			start := time.Now()
			_, err := c.Get(ctx, "/config_dump")
			if err == nil || err.Error() != tc.want {
				t.Fatalf("error %q, want %q", err, tc.want)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("not errors.Is %v", tc.is)
			}
			if hintOf(err) != tc.hint {
				t.Errorf("hint %q, want %q", hintOf(err), tc.hint)
			}
			if tc.timeout > 0 && time.Since(start) > tc.timeout+time.Second {
				t.Errorf("took %s with a %s deadline", time.Since(start), tc.timeout)
			}
		})
	}
	t.Run("cancelled", func(t *testing.T) {
		c := client(t, hang, Options{})
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(100*time.Millisecond, cancel)
		_, err := c.Get(ctx, "/config_dump")
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("got %v, want context.Canceled", err)
		}
	})
	t.Run("conn error explained", func(t *testing.T) {
		better := errors.New("nothing listens on port 15000 in the pod")
		c := client(t, noAnswer, Options{Name: "pod p", ConnError: func(error) error { return better }})
		_, err := c.Get(context.Background(), "/config_dump")
		if !errors.Is(err, better) || err.Error() != "fetch /config_dump from pod p: nothing listens on port 15000 in the pod" {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("close runs OnClose", func(t *testing.T) {
		closed := false
		c, _ := New(refused, Options{OnClose: func() error { closed = true; return nil }})
		if err := c.Close(); err != nil || !closed {
			t.Fatalf("Close: %v, OnClose ran: %v", err, closed)
		}
	})
}

// FuzzHTMLSniff: whatever an answer holds, telling whether it is a page and finding its title
// never panics, and a title is one clean line of at most 80 characters (and "...").
func FuzzHTMLSniff(f *testing.F) {
	f.Add([]byte("<!DOCTYPE html><html><head><title>Sign in</title></head></html>"), "text/html")
	f.Add([]byte(`{"configs":[]}`), "application/json")
	f.Add([]byte("<title>a\nb\x00c</title"), "")
	f.Fuzz(func(t *testing.T, body []byte, contentType string) {
		_ = isHTML(contentType, body)
		title := pageTitle(body)
		if utf8.RuneCountInString(title) > 83 || strings.ContainsAny(title, "\n\r\x00") {
			t.Fatalf("title %q", title)
		}
	})
}
