// Package adminemu is what xdsctl's EMULATIONS of Envoy's admin API share — the emulated sidecar
// (internal/emulator) and the test server that serves saved dumps (internal/kube/kubetest) — so
// both answer alike: not Envoy, but answering as Envoy does for what they cover.
package adminemu

import (
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
)

// EnvoyLoggers are the logger names the emulations know (a subset of Envoy's).
var EnvoyLoggers = []string{
	"admin", "alternate_protocols_cache", "assert", "aws", "backtrace", "client", "config", "connection",
	"conn_handler", "dns", "dubbo", "envoy_bug", "ext_authz", "ext_proc", "file", "filter", "forward_proxy",
	"grpc", "happy_eyeballs", "hc", "health_checker", "http", "http2", "init", "io", "jwt", "kafka", "lua",
	"main", "matcher", "misc", "mongo", "pool", "quic", "rbac", "rds", "redis", "router", "runtime",
	"secret", "stats", "tap", "testing", "thrift", "tracing", "udp", "upstream", "wasm", "websocket",
}

// envoyLevels are the levels Envoy's /logging accepts, and what each is shown as.
var envoyLevels = map[string]string{
	"trace": "trace", "debug": "debug", "info": "info", "warning": "warning", "warn": "warning",
	"error": "error", "critical": "critical", "off": "off",
}

// Loggers is the state behind /logging: each logger's level, all "info" at first.
type Loggers struct {
	mu     sync.Mutex
	levels map[string]string
}

// NewLoggers returns EnvoyLoggers at level info.
func NewLoggers() *Loggers {
	l := &Loggers{levels: map[string]string{}}
	for _, n := range EnvoyLoggers {
		l.levels[n] = "info"
	}
	return l
}

// SetAll sets every logger to level (as ?level= does).
func (l *Loggers) SetAll(level string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for n := range l.levels {
		l.levels[n] = level
	}
}

// Levels returns a copy of each logger's level.
func (l *Loggers) Levels() map[string]string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make(map[string]string, len(l.levels))
	for k, v := range l.levels {
		out[k] = v
	}
	return out
}

// Serve answers one /logging request as Envoy does: POST only (a GET answers 405, as Envoy's
// mutating endpoints do); no query lists the loggers; ?level=<l> sets all; ?<logger>=<l> sets one;
// ?paths=<logger>:<l>,... sets several; an unknown logger or level answers 404 with Envoy's usage
// text and changes nothing. Every answer ends with the active loggers.
func (l *Loggers) Serve(method string, q url.Values) (int, []byte) {
	if method != http.MethodPost {
		return http.StatusMethodNotAllowed, []byte(fmt.Sprintf("Method %s not allowed, POST required.", method))
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	var bad string
	set := map[string]string{}
	setOne := func(name, level string) {
		lv, ok := envoyLevels[level]
		if _, known := l.levels[name]; !known {
			bad = "unknown logger name"
		} else if !ok {
			bad = "unknown logger level"
		} else {
			set[name] = lv
		}
	}
	for k, vs := range q {
		v := vs[len(vs)-1]
		switch k {
		case "level":
			lv, ok := envoyLevels[v]
			if !ok {
				bad = "unknown logger level"
				break
			}
			for n := range l.levels {
				set[n] = lv
			}
		case "paths":
			for _, p := range strings.Split(v, ",") {
				n, lv, _ := strings.Cut(p, ":")
				setOne(n, lv)
			}
		default:
			setOne(k, v)
		}
	}
	var b strings.Builder
	status := http.StatusOK
	if bad != "" || len(q) > 1 && q.Get("level") != "" {
		if bad == "" {
			bad = "invalid number of parameters"
		}
		status = http.StatusNotFound
		fmt.Fprintf(&b, "error: %s\n\n", bad)
		b.WriteString("usage: /logging?<name>=<level> (change single level)\n")
		b.WriteString("usage: /logging?paths=name1:level1,name2:level2,... (change multiple levels)\n")
		b.WriteString("usage: /logging?level=<level> (change all levels)\n")
		b.WriteString("levels: trace debug info warning error critical off\n")
	} else {
		for n, lv := range set {
			l.levels[n] = lv
		}
	}
	b.WriteString("active loggers:\n")
	names := make([]string, 0, len(l.levels))
	for n := range l.levels {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(&b, "  %s: %s\n", n, l.levels[n])
	}
	b.WriteString("\n")
	return status, []byte(b.String())
}
