// Package admin is what commands know of an Envoy admin API: the paths xdsctl reads, the Client
// interface and its errors. internal/adminhttp implements it over HTTP (--admin URL, or, through
// the kube package, a Kubernetes port-forward); tests plug in an httptest server (an emulation of
// Envoy's admin API, not Envoy).
package admin

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"strings"
)

// Paths of the Envoy admin API that xdsctl reads.
const (
	PathConfigDump        = "/config_dump"
	PathConfigDumpWithEDS = "/config_dump?include_eds"
	PathClustersJSON      = "/clusters?format=json"
	PathServerInfo        = "/server_info"
	PathLogging           = "/logging"
	PathStatsJSON         = "/stats?format=json"
	PathStatsPrometheus   = "/stats/prometheus"
)

// Client is one proxy's admin API. Get and Post return the body of a 200 answer, or an error
// naming the proxy and the status. Close releases what the client holds (a port-forward).
type Client interface {
	Get(ctx context.Context, path string) ([]byte, error)
	Post(ctx context.Context, path string) ([]byte, error)
	Close() error
}

// Target is one proxy to read: its display name (pod.namespace, or the admin URL) and its client.
type Target struct {
	Name   string
	Client Client
}

// StatusError is a non-200 answer from the admin API.
type StatusError struct {
	What   string // the request, e.g. `fetch /config_dump from pod "x" in namespace "y"`
	Code   int
	Status string // e.g. "503 Service Unavailable"
	Body   string // the first 4 KiB of the body
	// HTML is the title of an HTML page that came as the body (a web proxy's or login page's error
	// page, never Envoy's), or "-" for a page without one; "" when the body is not HTML.
	HTML string
}

func (e *StatusError) Error() string {
	switch e.HTML {
	case "":
	case "-":
		return fmt.Sprintf("%s: answered %s with an HTML page, not Envoy's admin API", e.What, e.Status)
	default:
		return fmt.Sprintf("%s: answered %s with an HTML page (%q), not Envoy's admin API", e.What, e.Status, e.HTML)
	}
	msg := fmt.Sprintf("%s: the admin API answered %s", e.What, e.Status)
	if line := firstLine([]byte(e.Body)); line != "" {
		msg += ": " + line
	}
	return msg
}

func firstLine(b []byte) string {
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if l := strings.TrimSpace(Printable(sc.Text())); l != "" {
			if r := []rune(l); len(r) > 200 {
				l = string(r[:200]) + "..."
			}
			return l
		}
	}
	return ""
}

// Printable is text a server sent, made safe to print on a terminal: control characters (escape
// sequences could rewrite the screen or the window title) become '?', invalid UTF-8 becomes U+FFFD.
func Printable(s string) string {
	return strings.Map(func(r rune) rune {
		if r < ' ' && r != '\t' || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return '?'
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
}
