package uiapi

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"

	"github.com/xdsctl/xdsctl/pkg/configdump"
	"github.com/xdsctl/xdsctl/pkg/trace"
)

// ErrBadRequest is returned (wrapped) for a trace whose parameters cannot be read.
var ErrBadRequest = errors.New("bad request")

// TraceQuery is what the page's trace form gives, as `xdsctl trace` takes it.
type TraceQuery struct {
	To      string   // ip:port the connection goes to
	Host    string   // the Host header; default: To
	Path    string   // default /
	Method  string   // default GET
	Headers []string // "name: value"
	Inbound bool     // enter the sidecar's inbound listener
	TCP     bool     // not HTTP: no request is routed
	TLS     bool     // the client starts TLS
	SNI     string   // its server name
	ALPN    []string // the protocols it offers
	Source  string   // the client's ip[:port], for source matches
	// Random is the request's random value (weighted clusters, runtime fractions); "" leaves
	// the engine's default (0, said in the steps).
	Random   string
	Listener string // start at the listener of this name (an internal listener)
}

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
	return TraceQuery{To: strings.TrimSpace(v.Get("to")), Host: v.Get("host"), Path: v.Get("path"), Method: v.Get("method"),
		Headers: v["header"], Inbound: flag("inbound"), TCP: flag("tcp"), TLS: flag("tls"), SNI: v.Get("sni"), ALPN: alpn,
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

func (q TraceQuery) build() (*trace.Connection, *trace.Request, error) {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrBadRequest, fmt.Sprintf(format, args...))
	}
	if q.To == "" {
		return nil, nil, bad("give to, the ip:port the connection goes to (e.g. 10.96.0.10:9080)")
	}
	to, err := netip.ParseAddrPort(q.To)
	if err != nil {
		return nil, nil, bad("to %q is not an ip:port (e.g. 10.96.0.10:9080, [fd00::1]:443); for a service, give its ClusterIP and its name as host", q.To)
	}
	if q.SNI != "" && !q.TLS {
		return nil, nil, bad("sni is the server name of a TLS handshake: set tls too")
	}
	if q.Inbound && q.Listener != "" {
		return nil, nil, bad("inbound enters virtualInbound; listener names another: give one of them")
	}
	conn := &trace.Connection{DestIP: to.Addr().Unmap(), DestPort: uint32(to.Port()), Inbound: q.Inbound, TLS: q.TLS, SNI: q.SNI,
		ALPN: q.ALPN, TCP: q.TCP, Listener: q.Listener}
	if q.Source != "" {
		if ap, err := netip.ParseAddrPort(q.Source); err == nil {
			conn.SourceIP, conn.SourcePort = ap.Addr().Unmap(), uint32(ap.Port())
		} else if ip, err := netip.ParseAddr(q.Source); err == nil {
			conn.SourceIP = ip.Unmap()
		} else {
			return nil, nil, bad("source %q is not an ip or ip:port (e.g. 10.244.0.7, 10.244.0.7:41234)", q.Source)
		}
	}
	var random uint64
	if q.Random != "" {
		if random, err = strconv.ParseUint(q.Random, 10, 64); err != nil {
			return nil, nil, bad("random-value %q is not a whole number from 0 to 18446744073709551615", q.Random)
		}
	}
	if q.TCP {
		if q.Host != "" || q.Path != "" || q.Method != "" || len(q.Headers) > 0 || q.Random != "" {
			return nil, nil, bad("tcp traces a connection that is not HTTP: leave host, path, method, headers and random-value empty")
		}
		return conn, nil, nil
	}
	req := &trace.Request{Authority: q.Host, Path: q.Path, Method: q.Method, RandomValue: random, RandomSet: q.Random != ""}
	if req.Authority == "" {
		req.Authority = q.To
	}
	if req.Path == "" {
		req.Path = "/"
	}
	if req.Method == "" {
		req.Method = "GET"
	}
	if !strings.HasPrefix(req.Path, "/") && req.Path != "*" {
		return nil, nil, bad("path %q does not start with /", q.Path)
	}
	for _, h := range q.Headers {
		if strings.TrimSpace(h) == "" {
			continue
		}
		name, value, ok := strings.Cut(strings.TrimPrefix(h, ":"), ":")
		if strings.HasPrefix(h, ":") {
			name = ":" + name
		}
		name = strings.ToLower(strings.TrimSpace(name))
		if !ok || name == "" || name == ":" {
			return nil, nil, bad("header %q is not 'name: value'", h)
		}
		value = strings.TrimSpace(value)
		switch name {
		case ":authority", "host":
			req.Authority = value
		case ":path":
			req.Path = value
		case ":method":
			req.Method = value
		default:
			req.Headers = append(req.Headers, trace.Header{Name: name, Value: value})
		}
	}
	return conn, req, nil
}

// Trace follows the connection (and request) q describes through the proxy's config with the
// trace engine, as `xdsctl trace` does.
func (a *API) Trace(q TraceQuery) (*TraceAnswer, error) {
	conn, req, err := q.build()
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
