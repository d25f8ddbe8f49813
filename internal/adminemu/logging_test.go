package adminemu

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestLoggers(t *testing.T) {
	usage := "usage: /logging?<name>=<level> (change single level)\n"
	for _, tc := range []struct {
		name, method, query string
		code                int
		has                 []string // lines the answer holds
	}{
		{"GET is refused, as Envoy's mutating endpoints", "GET", "level=debug", http.StatusMethodNotAllowed, []string{"Method GET not allowed, POST required."}},
		{"no query lists", "POST", "", http.StatusOK, []string{"active loggers:\n", "  admin: info\n", "  upstream: info\n"}},
		{"level sets all", "POST", "level=debug", http.StatusOK, []string{"  admin: debug\n", "  upstream: debug\n"}},
		{"one logger; warn is warning", "POST", "upstream=warn", http.StatusOK, []string{"  upstream: warning\n", "  admin: info\n"}},
		{"paths", "POST", "paths=admin:error,http:trace", http.StatusOK, []string{"  admin: error\n", "  http: trace\n", "  config: info\n"}},
		{"unknown level", "POST", "level=loud", http.StatusNotFound, []string{"error: unknown logger level\n", usage, "  admin: info\n"}},
		{"unknown logger", "POST", "nosuch=debug", http.StatusNotFound, []string{"error: unknown logger name\n", usage}},
		{"level with another parameter", "POST", "level=debug&http=info", http.StatusNotFound, []string{"error: invalid number of parameters\n"}},
		{"a bad path changes nothing", "POST", "paths=admin:error,nosuch:info", http.StatusNotFound, []string{"error: unknown logger name\n", "  admin: info\n"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q, err := url.ParseQuery(tc.query)
			assert.NoError(t, err)
			code, body := NewLoggers().Serve(tc.method, q)
			assert.Equal(t, tc.code, code)
			for _, h := range tc.has {
				assert.True(t, strings.Contains(string(body), h), "%q lacks %q", body, h)
			}
		})
	}
	l := NewLoggers()
	l.SetAll("trace")
	assert.Equal(t, "trace", l.Levels()["router"])
}
