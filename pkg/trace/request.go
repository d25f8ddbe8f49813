package trace

import (
	"net/url"
	"strings"
)

// Request is an HTTP request as the router sees it.
type Request struct {
	Authority string // :authority (Host)
	Path      string // :path, with the query string
	Method    string
	// Scheme is the request's scheme as x-forwarded-proto says it: "https" for a request that came
	// over TLS (router_check's ssl), else "http".
	Scheme string
	// Headers are the other request headers, names in lower case; a name may repeat.
	Headers []Header
	// Internal sets x-envoy-internal: true.
	Internal bool
	// TLS describes the downstream connection for tls_context matches; nil when plaintext.
	TLS *TLSFacts
	// RandomValue is the random number Envoy draws per request, for runtime fractions and
	// weighted clusters; RandomSet tells whether the user gave it.
	RandomValue uint64
	RandomSet   bool
	// ActiveRuntime, when set, is router_check_tool's runtime input: a runtime_fraction matches only
	// when its runtime_key is this key (and the random value falls in the fraction). Unset, the
	// fraction's default applies, as in Envoy without a runtime override.
	ActiveRuntime *string
}

// Header is one request or response header.
type Header struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// TLSFacts are what tls_context route matches test.
type TLSFacts struct {
	Presented bool // the client presented a certificate
	Validated bool // and it was validated
}

// header returns the value of a header as Envoy's header matchers see it: several values of one
// name joined with ",". The pseudo-headers and x-forwarded-proto come from the request's fields.
func (r *Request) header(name string) (string, bool) {
	name = strings.ToLower(name)
	switch name {
	case ":authority", "host":
		return r.Authority, r.Authority != ""
	case ":path":
		return r.Path, r.Path != ""
	case ":method":
		return r.Method, r.Method != ""
	case ":scheme":
		return r.scheme(), true
	}
	var vals []string
	for _, h := range r.Headers {
		if h.Name == name {
			vals = append(vals, h.Value)
		}
	}
	switch {
	case len(vals) == 1:
		return vals[0], true
	case len(vals) > 1:
		return strings.Join(vals, ","), true
	}
	switch name {
	case "x-forwarded-proto":
		return r.scheme(), true
	case "x-envoy-internal":
		if r.Internal {
			return "true", true
		}
	}
	return "", false
}

func (r *Request) scheme() string {
	if r.Scheme == "" {
		return "http"
	}
	return r.Scheme
}

// pathOnly is the path without its query string and fragment, which path matches compare.
func pathOnly(p string) string {
	if i := strings.IndexAny(p, "?#"); i >= 0 {
		return p[:i]
	}
	return p
}

// queryOf is the query string with its '?', or "".
func queryOf(p string) string {
	if i := strings.IndexByte(p, '?'); i >= 0 {
		return p[i:]
	}
	return ""
}

// firstQueryValue returns the first value of a query parameter, decoded as Envoy decodes it.
func firstQueryValue(path, name string) (string, bool) {
	q := queryOf(path)
	if q == "" {
		return "", false
	}
	q = q[1:]
	if i := strings.IndexByte(q, '#'); i >= 0 {
		q = q[:i]
	}
	for _, kv := range strings.Split(q, "&") {
		if kv == "" {
			continue
		}
		k, v, _ := strings.Cut(kv, "=")
		if dk, err := url.QueryUnescape(k); err == nil {
			k = dk
		}
		if k != name {
			continue
		}
		if dv, err := url.QueryUnescape(v); err == nil {
			v = dv
		}
		return v, true
	}
	return "", false
}
