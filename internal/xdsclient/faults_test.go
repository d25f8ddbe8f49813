package xdsclient

import (
	"context"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"

	"github.com/xdsctl/xdsctl/internal/cmdutil"
)

// faultServer serves every gRPC method with h (raw bytes), on loopback.
func faultServer(t *testing.T, h grpc.StreamHandler) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := grpc.NewServer(grpc.UnknownServiceHandler(h), grpc.ForceServerCodec(rawCodec{}))
	go func() { _ = s.Serve(l) }()
	t.Cleanup(s.Stop)
	return l.Addr().String()
}

// TestFaultyServers: what answers at --xds-address but is not a sound xDS server gets a message
// naming what it did and a hint on what to check, never a bare "EOF".
func TestFaultyServers(t *testing.T) {
	recv := func(st grpc.ServerStream) { var in []byte; _ = st.RecvMsg(&in) }
	empty := faultServer(t, func(any, grpc.ServerStream) error { return nil })
	two := faultServer(t, func(_ any, st grpc.ServerStream) error {
		recv(st)
		_ = st.SendMsg([]byte{})
		return st.SendMsg([]byte{})
	})
	big := faultServer(t, func(_ any, st grpc.ServerStream) error {
		recv(st)
		return st.SendMsg(make([]byte, 9<<20))
	})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: http.NotFoundHandler(), ReadHeaderTimeout: time.Second}
	go func() { _ = hs.Serve(l) }()
	t.Cleanup(func() { _ = hs.Close() })
	http1 := l.Addr().String()
	http10 := rawListener(t, func(c net.Conn) { // as Python's http.server answers
		_, _ = c.Write([]byte("HTTP/1.0 400 Bad request version ('HTTP/2.0')\r\nContent-Type: text/html\r\n\r\n<html></html>"))
	})

	web := func(h2 bool) string {
		srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			_, _ = w.Write([]byte("<html>portal</html>"))
		}))
		srv.EnableHTTP2 = h2
		srv.Config.ErrorLog = log.New(io.Discard, "", 0) // its "TLS handshake error" lines
		srv.StartTLS()
		t.Cleanup(srv.Close)
		return strings.TrimPrefix(srv.URL, "https://")
	}
	webH2, webH1 := web(true), web(false)

	for _, tc := range []struct {
		name, addr string
		ads        bool // DebugRequest (a stream) rather than FetchClientStatus (unary)
		tls        bool // --insecure rather than --plaintext
		want, hint string
		is         error
	}{
		{name: "unary without a message", addr: empty, is: ErrNotXDS, hint: hintNotXDS,
			want: "ask for client status (CSDS) from control plane at " + empty + ": the server answered a single request with no message, as no CSDS server does"},
		{name: "stream ends at once", addr: empty, ads: true, is: ErrNotXDS,
			hint: "the server may not serve that request (an old istiod, or not istiod at all); " + hintNotXDS,
			want: "ask for istio.io/debug/syncz from control plane at " + empty + ": the server ended the stream without answering"},
		{name: "unary with two messages", addr: two, is: ErrNotXDS, hint: hintNotXDS,
			want: "ask for client status (CSDS) from control plane at " + two + ": the server answered a single request with more than one message, as no CSDS server does"},
		{name: "too large", addr: big, is: ErrTooLarge,
			hint: "if the control plane really knows that many proxies, raise --max-response (e.g. --max-response 16Mi)",
			want: "ask for client status (CSDS) from control plane at " + big + ": the answer is 9 MiB, more than the 8 MiB limit of --max-response"},
		{name: "too large on a stream", addr: big, ads: true, is: ErrTooLarge,
			hint: "if the control plane really knows that many proxies, raise --max-response (e.g. --max-response 16Mi)",
			want: "ask for istio.io/debug/syncz from control plane at " + big + ": the answer is 9 MiB, more than the 8 MiB limit of --max-response"},
		{name: "an HTTPS web server", addr: webH2, tls: true, is: ErrNotXDS, hint: hintNotXDS,
			want: "ask for client status (CSDS) from control plane at " + webH2 + ": a web server (HTTP 200, text/html) answered, not a gRPC server"},
		{name: "an HTTPS server without HTTP/2", addr: webH1, tls: true, is: ErrNotXDS, hint: hintNotXDS,
			want: "ask for client status (CSDS) from control plane at " + webH1 + ": the server speaks TLS but not HTTP/2, so it is not a gRPC server"},
		{name: "an HTTP/1.0 server with --plaintext", addr: http10, is: ErrNotXDS, hint: hintNotXDS,
			want: "ask for client status (CSDS) from control plane at " + http10 + ": an HTTP/1 server answered, not a gRPC server"},
		{name: "an HTTP/1 server with --plaintext", addr: http1, is: ErrNotXDS, hint: hintNotXDS,
			want: "ask for client status (CSDS) from control plane at " + http1 + ": an HTTP/1 server answered, not a gRPC server"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Dial(Options{Address: tc.addr, Plaintext: !tc.tls, Insecure: tc.tls, Timeout: 2 * time.Second, MaxResponse: 8 << 20})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			start := time.Now()
			if tc.ads {
				_, err = c.DebugRequest(context.Background(), TypeSyncz, nil, Node{})
			} else {
				_, err = c.FetchClientStatus(context.Background())
			}
			if err == nil || err.Error() != tc.want {
				t.Fatalf("error %v\nwant %s", err, tc.want)
			}
			if !errors.Is(err, tc.is) {
				t.Errorf("not errors.Is %v", tc.is)
			}
			if h := cmdutil.HintOf(err); h != tc.hint {
				t.Errorf("hint %q\nwant %q", h, tc.hint)
			}
			if took := time.Since(start); took > time.Second {
				t.Errorf("took %s", took)
			}
		})
	}
}

// TestStuckServer: a server that accepts the call and never answers, or trickles an endless
// message, is given up at the timeout (+ 100 ms).
func TestStuckServer(t *testing.T) {
	stuck := faultServer(t, func(_ any, st grpc.ServerStream) error {
		<-st.Context().Done()
		return nil
	})
	for _, ads := range []bool{false, true} {
		c, err := Dial(Options{Address: stuck, Plaintext: true, Timeout: 300 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		if ads {
			_, err = c.DebugRequest(context.Background(), TypeSyncz, nil, Node{})
		} else {
			_, err = c.FetchClientStatus(context.Background())
		}
		took := time.Since(start)
		c.Close()
		if !errors.Is(err, ErrTimeout) || !strings.Contains(err.Error(), "no answer within 300ms") {
			t.Errorf("ads %v: %v", ads, err)
		}
		if took > 400*time.Millisecond {
			t.Errorf("ads %v: took %s with a 300ms timeout", ads, took)
		}
	}
}

// TestHTTPSynczFaults: istiod's HTTP /debug/syncz is read within --max-response, and a redirect is
// not followed (its answer would be taken for istiod's).
func TestHTTPSynczFaults(t *testing.T) {
	endless := httptestServer(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		chunk := make([]byte, 64<<10)
		for {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}))
	_, err := HTTPSyncz(context.Background(), endless, "", 1<<20)
	if err == nil || err.Error() != "GET "+endless+"/debug/syncz: the answer is larger than the 1 MiB limit of --max-response" {
		t.Fatalf("endless: %v", err)
	}
	redirect := httptestServer(t, http.RedirectHandler("http://192.0.2.1/debug/syncz", http.StatusFound))
	_, err = HTTPSyncz(context.Background(), redirect, "", 1<<20)
	if err == nil || err.Error() != "GET "+redirect+"/debug/syncz: 302 Found" {
		t.Fatalf("redirect: %v", err)
	}
}

func httptestServer(t *testing.T, h http.Handler) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &http.Server{Handler: h, ReadHeaderTimeout: time.Second}
	go func() { _ = s.Serve(l) }()
	t.Cleanup(func() { _ = s.Close() })
	return "http://" + l.Addr().String()
}

// rawListener answers each connection with fn (after reading what the client sends first).
func rawListener(t *testing.T, fn func(net.Conn)) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				buf := make([]byte, 1024)
				_, _ = c.Read(buf)
				fn(c)
			}()
		}
	}()
	return l.Addr().String()
}
