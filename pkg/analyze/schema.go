package analyze

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/xdsctl/xdsctl/internal/jsonscan"
	"github.com/xdsctl/xdsctl/pkg/configdump"
	"github.com/xdsctl/xdsctl/pkg/validate"
)

// Envoy's message types of the resources a dump holds.
const (
	typeListener = "envoy.config.listener.v3.Listener"
	typeCluster  = "envoy.config.cluster.v3.Cluster"
	typeRoute    = "envoy.config.route.v3.RouteConfiguration"
	typeCLA      = "envoy.config.endpoint.v3.ClusterLoadAssignment"
	typeSecret   = "envoy.extensions.transport_sockets.tls.v3.Secret"
)

// checkSchema validates every resource with pkg/validate, xdsctl's one strict Envoy validator:
// what Envoy would reject (XDS0801, XDS0501 for duplicate filter chain matches) and the extension
// types it cannot check (XDS0802). Resources of a v2-era dump are left out: the v3 API does not
// describe them.
func (a *analyzer) checkSchema() {
	if !a.o.Schema {
		return
	}
	if v, ok := a.envoyVersion(); ok && v < 117 {
		a.note("the proxy runs Envoy %d.%d, of the v2 API: its resources are not checked against Envoy's schema (xdsctl knows the v3 API)", v/100, v%100)
		return
	}
	v2 := false
	check := func(kind, name, typ string, raw jsonscan.Value) {
		if !raw.Exists() {
			return
		}
		if t := raw.Get("@type").Str(); t != "" && !strings.Contains(t, ".v3.") {
			v2 = true
			return
		}
		res := Resource{Kind: kind, Name: name}
		for _, p := range validate.JSON(typ, raw.Raw()) {
			a.problem(res, kindWords[kind], name, p)
		}
	}
	for i := range a.listeners {
		if l := &a.listeners[i]; l.State != configdump.StateDraining {
			check(KindListener, l.Name, typeListener, l.Raw)
		}
	}
	for i := range a.clusters {
		check(KindCluster, a.clusters[i].Name, typeCluster, a.clusters[i].Raw)
	}
	for i := range a.routes {
		check(KindRouteConfig, a.routes[i].Name, typeRoute, a.routes[i].Raw)
	}
	if a.in.Static {
		// a dump's EDS section is Envoy's own account of its hosts (a DNS cluster's resolved
		// addresses, no cluster_name for some EDS clusters), not what was sent to it
		for i := range a.eds {
			check(KindLoadAssignment, a.eds[i].Cluster, typeCLA, a.eds[i].Raw)
		}
	}
	for i := range a.secrets {
		if s := &a.secrets[i]; s.First {
			check(KindSecret, s.Name, typeSecret, s.Raw.Get("secret"))
		}
	}
	if v2 {
		a.note("resources of the v2 API are not checked against Envoy's schema (xdsctl knows the v3 API)")
	}
}

// problem turns one of the validator's problems into a finding.
func (a *analyzer) problem(res Resource, word, name string, p validate.Problem) {
	res.Path = p.Path
	where := ""
	if p.Path != "" {
		where = " at " + p.Path
	}
	switch {
	case p.Kind == validate.KindEnvoy && strings.Contains(p.Message, "Duplicate entry of domain"):
		// XDS0401, from checkRouteConfig, which names both virtual hosts
	case p.Severity == validate.Info:
		a.add(UnknownExtension, res, "%s %q%s: %s", word, name, where, p.Message)
	case isDuplicateMatch(p):
		a.add(DuplicateChainMatch, res, "listener %q: %s", name, p.Message)
	case (strings.HasSuffix(p.Path, "minimum_ring_size") || strings.HasSuffix(p.Path, "maximum_ring_size")) && strings.Contains(p.Message, strconv.Itoa(maxRingSize)):
		a.add(RingSizeTooLarge, res, "%s %q at %s: %s, Envoy's maximum ring size", word, name, p.Path, p.Message)
	default:
		envoy := ""
		if p.Envoy != "" && p.Envoy != p.Message {
			envoy = " (Envoy: " + p.Envoy + ")"
		}
		a.add(SchemaError, res, "%s %q%s: %s%s", word, name, where, p.Message, envoy)
	}
}

// envoyVersion is the proxy's Envoy version as major*100+minor (1.17 → 117), from the dump's
// bootstrap; ok is false when the dump does not say.
func (a *analyzer) envoyVersion() (int, bool) {
	b, err := a.in.Dump.Bootstrap()
	if err != nil {
		return 0, false
	}
	var major, minor int
	if _, err := fmt.Sscanf(b.EnvoyVersion, "%d.%d", &major, &minor); err != nil || major == 0 && minor == 0 {
		return 0, false
	}
	return major*100 + minor, true
}

// isDuplicateMatch tells whether p is the validator's "two filter chains have the same match" or
// "... overlapping matches".
func isDuplicateMatch(p validate.Problem) bool {
	return strings.HasSuffix(p.Path, "filter_chain_match") &&
		(strings.Contains(p.Message, "same matching rules") || strings.Contains(p.Envoy, "overlapping matching rules"))
}
