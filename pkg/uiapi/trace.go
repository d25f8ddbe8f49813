package uiapi

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"

	"github.com/xdsctl/xdsctl/pkg/configdump"
	"github.com/xdsctl/xdsctl/pkg/trace"
)

// ErrBadRequest is returned (wrapped) for a trace whose parameters cannot be read.
var ErrBadRequest = errors.New("bad request")

// TraceQuery is what the page's trace form gives, as `xdsctl trace` takes it.
type TraceQuery = trace.Spec

// ParseTraceQuery reads the query string of /api/trace: to, host, path, method, header
// (repeated), inbound, tcp, tls, sni, alpn (comma-separated or repeated), source,
// random-value, listener.
func ParseTraceQuery(v url.Values) TraceQuery {
	flag := func(k string) bool { s := v.Get(k); return s != "" && s != "0" && s != "false" }
	var alpn []string
	for _, a := range v["alpn"] {
		for _, p := range strings.Split(a, ",") {
			if p = strings.TrimSpace(p); p != "" {
				alpn = append(alpn, p)
			}
		}
	}
	var headers []string
	for _, h := range v["header"] {
		if strings.TrimSpace(h) != "" { // the form's empty header lines
			headers = append(headers, h)
		}
	}
	return TraceQuery{To: strings.TrimSpace(v.Get("to")), Host: v.Get("host"), Path: v.Get("path"), Method: v.Get("method"),
		Headers: headers, Inbound: flag("inbound"), TCP: flag("tcp"), TLS: flag("tls"), SNI: v.Get("sni"), ALPN: alpn,
		Source: strings.TrimSpace(v.Get("source")), Random: strings.TrimSpace(v.Get("random-value")),
		Listener: strings.TrimSpace(v.Get("listener"))}
}

// Hop is a resource the trace went through, as the graph names it.
type Hop struct {
	Kind string `json:"kind"`
	Name string `json:"name"`
}

// TraceAnswer is the trace engine's result, and the graph's resources on its path.
type TraceAnswer struct {
	*trace.Result
	// Path lists the listener, route configuration and cluster the trace reached, in order, for
	// the page to highlight (those the proxy holds).
	Path     []Hop    `json:"path"`
	Warnings []string `json:"warnings"`
}

// build is the trace engine's connection and request, or ErrBadRequest with the form's names.
func build(q TraceQuery) (*trace.Connection, *trace.Request, error) {
	conn, req, err := q.Build()
	var se *trace.SpecError
	if errors.As(err, &se) {
		msg := se.Say(func(field string) string { return field })
		if se.Field == "to" && se.Value != "" {
			msg += "; for a service, give its ClusterIP and its name as host"
		}
		return nil, nil, fmt.Errorf("%w: %s", ErrBadRequest, msg)
	}
	return conn, req, err
}

// Trace follows the connection (and request) q describes through the proxy's config with the
// trace engine, as `xdsctl trace` does.
func (a *API) Trace(q TraceQuery) (*TraceAnswer, error) {
	conn, req, err := build(q)
	if err != nil {
		return nil, err
	}
	if a.dump == nil {
		return nil, fmt.Errorf("%w: no config dump to trace through", ErrNotFound)
	}
	a.engine.Lock()
	defer a.engine.Unlock()
	w := configdump.NewWarnings()
	saved := a.dump.Warnings
	a.dump.Warnings = w
	defer func() { a.dump.Warnings = saved }()
	cfg, err := trace.FromDump(a.dump, a.statuses, conn, w)
	if err != nil {
		if errors.Is(err, configdump.ErrNoSection) {
			return nil, fmt.Errorf("%w: %v", ErrNotFound, err)
		}
		return nil, err
	}
	res := trace.Trace(cfg, conn, req)
	ans := &TraceAnswer{Result: res, Path: []Hop{}, Warnings: w.List()}
	if ans.Warnings == nil {
		ans.Warnings = []string{}
	}
	lid, ok := a.tracedListener(res.Listener)
	if ok {
		ans.Path = append(ans.Path, Hop{KindListener, lid})
	}
	if key, ok := a.tracedInline(lid, res.FilterChain); ok {
		ans.Path = append(ans.Path, Hop{KindRouteConfig, key})
	} else if _, ok := a.byRoute[res.RouteConfig]; ok && res.RouteConfig != "" {
		ans.Path = append(ans.Path, Hop{KindRouteConfig, res.RouteConfig})
	}
	if _, ok := a.byCluster[res.Cluster]; ok && res.Cluster != "" {
		ans.Path = append(ans.Path, Hop{KindCluster, res.Cluster})
	}
	return ans, nil
}

// tracedListener returns the id of the listener the trace engine went through: it names a
// listener by its name, or by its address (ip:port) when it has none.
func (a *API) tracedListener(label string) (string, bool) {
	if label == "" {
		return "", false
	}
	if _, ok := a.byListener[label]; ok {
		return label, true
	}
	for i := range a.listeners {
		l := &a.listeners[i]
		if l.Name != "" || !l.IsShort() || len(l.Addresses) == 0 {
			continue
		}
		if net.JoinHostPort(l.Addresses[0], strconv.FormatUint(uint64(l.Port), 10)) == label {
			return a.listenerIDs[i], true
		}
	}
	return "", false
}
