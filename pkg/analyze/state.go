package analyze

import (
	"errors"
	"strings"

	"github.com/xdsctl/xdsctl/internal/jsonscan"
	"github.com/xdsctl/xdsctl/pkg/configdump"
)

// kindWords are the kinds as messages name them.
var kindWords = map[string]string{
	KindListener:       "listener",
	KindCluster:        "cluster",
	KindRouteConfig:    "route configuration",
	KindSecret:         "secret",
	KindLoadAssignment: "endpoints of cluster",
	KindExtension:      "extension config",
}

// checkState reports rejected (NACKed) and warming resources of every kind.
func (a *analyzer) checkState() {
	for i := range a.listeners {
		a.state(KindListener, a.listeners[i].Name, a.listeners[i].Meta, a.listeners[i].Raw)
	}
	for i := range a.clusters {
		a.state(KindCluster, a.clusters[i].Name, a.clusters[i].Meta, a.clusters[i].Raw)
	}
	for i := range a.routes {
		a.state(KindRouteConfig, a.routes[i].Name, a.routes[i].Meta, jsonscan.Value{})
	}
	for i := range a.secrets {
		a.state(KindSecret, a.secrets[i].Name, a.secrets[i].Meta, jsonscan.Value{})
	}
	for i := range a.eds {
		a.state(KindLoadAssignment, a.eds[i].Cluster, a.eds[i].Meta, jsonscan.Value{})
	}
	ecds, err := a.in.Dump.ECDS()
	if err != nil && !errors.Is(err, configdump.ErrNoSection) {
		a.note("extension configs not checked: %v", err)
	}
	for i := range ecds {
		a.state(KindExtension, ecds[i].Name, ecds[i].Meta, jsonscan.Value{})
	}
}

// state reports one resource's rejected update and its warming.
func (a *analyzer) state(kind, name string, m configdump.Meta, raw jsonscan.Value) {
	r := Resource{Kind: kind, Name: name}
	word := kindWords[kind]
	if m.Error != nil {
		details := strings.TrimSpace(m.Error.Details)
		if details == "" {
			details = "Envoy gave no details"
		}
		version := ""
		if m.Error.VersionInfo != "" {
			version = " (version " + m.Error.VersionInfo + ")"
		}
		if m.State == configdump.StateError {
			a.add(Rejected, r, "Envoy rejected %s %q%s and never had it: %s", word, name, version, details)
		} else if m.State != configdump.StateDraining {
			a.add(Rejected, r, "Envoy rejected an update of %s %q%s and keeps the version it had: %s", word, name, version, details)
		}
	}
	if m.State == configdump.StateWarming {
		waits := ""
		if w := a.waitsFor(kind, raw); len(w) > 0 {
			waits = "; it waits for " + strings.Join(w, " and ")
		}
		a.add(Warming, r, "%s %q is warming: Envoy does not use it until it is ready%s", word, name, waits)
	}
}

// waitsFor names what a warming cluster or listener waits for, as far as the dump tells: the
// endpoints of an EDS cluster, the secrets and route configurations it names that are missing or
// warming themselves.
func (a *analyzer) waitsFor(kind string, raw jsonscan.Value) []string {
	if !raw.Exists() {
		return nil
	}
	var out []string
	if kind == KindCluster && raw.Get("type").Text() == "EDS" {
		out = append(out, "its endpoints (EDS)")
	}
	notReady := func(idx *names, name string) bool {
		if idx == nil {
			return false
		}
		t := idx.get(name)
		return t == nil || !t.ok
	}
	seen := map[string]bool{}
	walkSecretConfigs(raw, func(name string, _ bool) {
		if !seen[name] && notReady(a.secretNames, name) {
			seen[name] = true
			out = append(out, "secret "+quote(name))
		}
	})
	if kind == KindListener {
		walkRDS(raw, func(name string) {
			if !seen["rds:"+name] && notReady(a.routeNames, name) {
				seen["rds:"+name] = true
				out = append(out, "route configuration "+quote(name))
			}
		})
	}
	return out
}

// walkRDS calls fn with the route configuration name of every rds under v.
func walkRDS(v jsonscan.Value, fn func(string)) {
	_ = v.Fields(func(k []byte, f jsonscan.Value) bool {
		switch {
		case jsonscan.KeyIs(k, "rds"):
			if n := f.Get("route_config_name").Str(); n != "" {
				fn(n)
			}
		case f.Kind() == jsonscan.Object:
			walkRDS(f, fn)
		case f.Kind() == jsonscan.Array:
			_ = f.Items(func(_ int, e jsonscan.Value) bool {
				if e.Kind() == jsonscan.Object {
					walkRDS(e, fn)
				}
				return true
			})
		}
		return true
	})
}
