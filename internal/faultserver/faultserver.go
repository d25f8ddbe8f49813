// Package faultserver is test-only: small servers on loopback that answer as a broken or hostile
// Envoy admin API (or what sits in front of one) does: endless bodies, lying Content-Length
// headers, gzip bombs, trickles, redirects elsewhere, bytes after the answer, HTML pages. Tests
// point xdsctl at them and check that it stays within its memory limit and its timeout and says
// what happened. None of them imitates Envoy beyond answering HTTP.
package faultserver

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"
)

// spaces is what endless bodies are made of: valid JSON whitespace, so only size stops a reader.
var spaces = bytes.Repeat([]byte{' '}, 64<<10)

// HTTP starts an HTTP server with h on loopback, closed when the test ends, and returns its URL.
func HTTP(t testing.TB, h http.Handler) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

// Endless streams spaces until the client goes away (or limit bytes are sent, if limit > 0),
// without a Content-Length.
func Endless(limit int64) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		var sent int64
		for limit <= 0 || sent < limit {
			n, err := w.Write(spaces)
			if err != nil {
				return
			}
			sent += int64(n)
		}
	})
}

// Declared announces Content-Length: length and then sends body, bytes that are fewer than it
// says, and then waits until the client goes away.
func Declared(length int64, body string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", strconv.FormatInt(length, 10))
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(body))
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	})
}

// Trickle sends chunk bytes of spaces every interval until the client goes away.
func Trickle(chunk int, every time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		tick := time.NewTicker(every)
		defer tick.Stop()
		for {
			if _, err := w.Write(spaces[:chunk]); err != nil {
				return
			}
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
				return
			case <-tick.C:
			}
		}
	})
}

// GzipBomb answers with Content-Encoding: gzip (never asked for) and a body that inflates to
// inflated bytes of spaces; it is compressed once, when GzipBomb is called.
func GzipBomb(inflated int64) http.Handler {
	var b bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
	for n := int64(0); n < inflated; n += int64(len(spaces)) {
		_, _ = zw.Write(spaces[:min(int64(len(spaces)), inflated-n)])
	}
	_ = zw.Close()
	body := b.Bytes()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Encoding", "gzip")
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		_, _ = w.Write(body)
	})
}

// Redirect answers every request with a 302 to target + the request's path and query.
func Redirect(target string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target+r.URL.RequestURI(), http.StatusFound)
	})
}

// Page answers with status and an HTML page titled title.
func Page(status int, title string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(status)
		fmt.Fprintf(w, "<!DOCTYPE html>\n<html><head><title>%s</title></head><body><h1>%s</h1><form action=/login></form></body></html>\n", title, title)
	})
}

// Raw accepts connections on loopback and, after reading each request's head, hands the
// connection to fn, below HTTP. It returns the base URL.
func Raw(t testing.TB, fn func(c net.Conn)) string {
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
				br := bufio.NewReader(c)
				for { // the request line and headers
					l, err := br.ReadString('\n')
					if err != nil || l == "\r\n" {
						break
					}
				}
				fn(c)
			}()
		}
	}()
	return "http://" + l.Addr().String()
}

// JunkAfter answers with body (a correct HTTP/1.1 response) and then, on the same connection,
// junk bytes no request asked for, and keeps the connection open a moment.
func JunkAfter(body, junk string) func(net.Conn) {
	return func(c net.Conn) {
		fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s%s", len(body), body, junk)
		time.Sleep(200 * time.Millisecond)
	}
}

// EndlessHeaders sends a status line and then header lines until the client goes away.
func EndlessHeaders(c net.Conn) {
	fmt.Fprint(c, "HTTP/1.1 200 OK\r\n")
	line := []byte("X-Filler: " + string(spaces[:1000]) + "x\r\n")
	for {
		if _, err := c.Write(line); err != nil {
			return
		}
	}
}
