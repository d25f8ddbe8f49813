package analyze

import (
	"errors"
	"strings"

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
		a.state(KindListener, a.listeners[i].Name, a.listeners[i].Meta)
	}
	for i := range a.clusters {
		a.state(KindCluster, a.clusters[i].Name, a.clusters[i].Meta)
	}
	for i := range a.routes {
		a.state(KindRouteConfig, a.routes[i].Name, a.routes[i].Meta)
	}
	for i := range a.secrets {
		a.state(KindSecret, a.secrets[i].Name, a.secrets[i].Meta)
	}
	for i := range a.eds {
		a.state(KindLoadAssignment, a.eds[i].Cluster, a.eds[i].Meta)
	}
	ecds, err := a.in.Dump.ECDS()
	if err != nil && !errors.Is(err, configdump.ErrNoSection) {
		a.note("extension configs not checked: %v", err)
	}
	for i := range ecds {
		a.state(KindExtension, ecds[i].Name, ecds[i].Meta)
	}
}

// state reports one resource's rejected update and its warming.
func (a *analyzer) state(kind, name string, m configdump.Meta) {
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
		a.add(Warming, r, "%s %q is warming: Envoy does not use it until it is ready", word, name)
	}
}
