package trace

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// Spec is a connection and its request as a user gives them, in words: `xdsctl trace`'s flags or
// the ui's trace form. Build reads it the same way for both; only the names of the fields in
// messages differ (SpecError.Say).
type Spec struct {
	To       string   // ip:port the connection goes to
	Host     string   // the Host header; default: To
	Path     string   // default /
	Method   string   // default GET
	Headers  []string // "name: value"; :authority/host, :path and :method set those
	Inbound  bool     // enter the sidecar's inbound listener
	TCP      bool     // not HTTP: no request is routed
	TLS      bool     // the client starts TLS
	SNI      string   // its server name
	ALPN     []string // the protocols it offers
	Source   string   // the client's ip[:port], for source matches
	Random   string   // the request's random value; "" leaves the engine's default (0)
	Listener string   // start at the listener of this name (an internal listener)
}

// SpecError is a Spec that cannot be read. Its message names fields as {field} (their Spec
// names in lower case: {to}, {header}, {random-value}); Say writes them as the caller calls
// them (--to, -H; to, header).
type SpecError struct {
	Field string // the field at fault (the first one named)
	Value string // what it holds
	msg   string
}

func (e *SpecError) Error() string { return e.Say(func(f string) string { return f }) }

// Say is the message with each {field} named by name.
func (e *SpecError) Say(name func(field string) string) string {
	var b strings.Builder
	rest := e.msg
	for {
		i := strings.IndexByte(rest, '{')
		j := strings.IndexByte(rest, '}')
		if i < 0 || j < i {
			b.WriteString(rest)
			return b.String()
		}
		b.WriteString(rest[:i])
		b.WriteString(name(rest[i+1 : j]))
		rest = rest[j+1:]
	}
}

func specErr(field, value, format string, args ...any) *SpecError {
	return &SpecError{Field: field, Value: value, msg: fmt.Sprintf(format, args...)}
}

// Build is the connection (and, unless TCP, the request) s describes, or a *SpecError.
func (s Spec) Build() (*Connection, *Request, error) {
	if s.To == "" {
		return nil, nil, specErr("to", "", "give {to}, the ip:port the connection goes to (e.g. 10.96.0.10:9080)")
	}
	to, err := netip.ParseAddrPort(s.To)
	if err != nil {
		return nil, nil, specErr("to", s.To, "{to} %q is not an ip:port (e.g. 10.96.0.10:9080, [fd00::1]:443)", s.To)
	}
	if s.Inbound && s.Listener != "" {
		return nil, nil, specErr("inbound", "", "{inbound} enters virtualInbound; {listener} names another: give one of them")
	}
	if s.SNI != "" && !s.TLS {
		return nil, nil, specErr("sni", s.SNI, "{sni} is the server name of a TLS handshake: add {tls}")
	}
	conn := &Connection{DestIP: to.Addr().Unmap(), DestPort: uint32(to.Port()), Inbound: s.Inbound, TLS: s.TLS, SNI: s.SNI,
		ALPN: s.ALPN, TCP: s.TCP, Listener: s.Listener}
	if s.Source != "" {
		if ap, err := netip.ParseAddrPort(s.Source); err == nil {
			conn.SourceIP, conn.SourcePort = ap.Addr().Unmap(), uint32(ap.Port())
		} else if ip, err := netip.ParseAddr(s.Source); err == nil {
			conn.SourceIP = ip.Unmap()
		} else {
			return nil, nil, specErr("source", s.Source, "{source} %q is not an ip or ip:port (e.g. 10.244.0.7, 10.244.0.7:41234)", s.Source)
		}
	}
	var random uint64
	if s.Random != "" {
		if random, err = strconv.ParseUint(s.Random, 10, 64); err != nil {
			return nil, nil, specErr("random-value", s.Random, "{random-value} %q is not a whole number from 0 to 18446744073709551615", s.Random)
		}
	}
	if s.TCP {
		for _, f := range []struct{ name, value string }{{"host", s.Host}, {"path", s.Path}, {"method", s.Method},
			{"header", strings.Join(s.Headers, "")}, {"random-value", s.Random}} {
			if f.value != "" {
				return nil, nil, specErr(f.name, f.value, "{tcp} traces a connection that is not HTTP: leave out {%s}", f.name)
			}
		}
		return conn, nil, nil
	}
	req := &Request{Authority: s.Host, Path: s.Path, Method: s.Method, RandomValue: random, RandomSet: s.Random != ""}
	if req.Authority == "" {
		req.Authority = s.To
	}
	if req.Path == "" {
		req.Path = "/"
	}
	if req.Method == "" {
		req.Method = "GET"
	}
	if !strings.HasPrefix(req.Path, "/") && req.Path != "*" {
		return nil, nil, specErr("path", s.Path, "{path} %q does not start with /", s.Path)
	}
	for _, h := range s.Headers {
		name, value, ok := SplitHeader(h)
		if !ok {
			return nil, nil, specErr("header", h, "{header} %q is not 'name: value'", h)
		}
		switch name {
		case ":authority", "host":
			req.Authority = value
		case ":path":
			req.Path = value
		case ":method":
			req.Method = value
		default:
			req.Headers = append(req.Headers, Header{Name: name, Value: value})
		}
	}
	return conn, req, nil
}

// SplitHeader splits 'name: value' (a pseudo-header's leading ':' is part of the name); the name
// in lower case. A name that is empty or holds white space is not one.
func SplitHeader(h string) (string, string, bool) {
	start := 0
	if strings.HasPrefix(h, ":") {
		start = 1
	}
	i := strings.IndexByte(h[start:], ':')
	if i < 0 {
		return "", "", false
	}
	name := strings.ToLower(strings.TrimSpace(h[:start+i]))
	if name == "" || name == ":" || strings.ContainsAny(name, " \t") {
		return "", "", false
	}
	return name, strings.TrimSpace(h[start+i+1:]), true
}
