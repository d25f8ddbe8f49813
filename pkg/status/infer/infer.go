// Package infer computes a proxy's sync status from its own config dump, for when no control plane
// can be asked (proxy-status --from-proxies): what the dump says (FactsFromDump), then the status
// the model of package status gives it (Infer).
package infer

import (
	"strings"
	"time"

	"github.com/xdsctl/xdsctl/pkg/status"
)

// Subscription says whether a proxy asks for a type, as far as its bootstrap tells.
type Subscription int

// Whether a proxy subscribes to a type.
const (
	SubscriptionUnknown Subscription = iota // the bootstrap was not read, or does not say
	Subscribed                              // e.g. dynamic_resources.cds_config, an EDS cluster, an HCM with rds
	NotSubscribed                           // the bootstrap configures no source for the type
)

// ProxyFacts is what a proxy's own config dump says about one proxy, already parsed (by pkg/configdump).
type ProxyFacts struct {
	Name, Namespace, Cluster, Version string
	Labels                            map[string]string
	// ControlPlane names where the proxy gets config (the bootstrap's xDS cluster), when known.
	ControlPlane string
	Types        []TypeFacts
}

// TypeFacts is what a config dump says about one xDS type.
type TypeFacts struct {
	// Type is a short name (CDS, LDS, …) or a type URL.
	Type string
	// Version is the section's version_info (or the newest dynamic resource's); "" when nothing was received.
	Version string
	// Dynamic counts dynamic resources in effect (active); Warming those received but not yet in effect.
	Dynamic, Warming int
	// Errors are the error_state.details of rejected updates, prefixed by the resource name when known.
	Errors []string
	// LastUpdated is the newest last_updated (or error_state.last_update_attempt).
	LastUpdated time.Time
	Subscribed  Subscription
}

// Infer computes a status for a proxy from its own config dump, for when no control plane can be asked.
// Per type: any error_state → ERROR (the proxy rejected an update); else warming resources → STALE (received,
// not yet in effect); else a version or dynamic resources → SYNCED (it holds config the control plane sent);
// else NOT SENT when the proxy subscribes, IGNORED when it does not or that is unknown. The result is marked
// Inferred: it cannot see config the control plane has not sent yet.
func Infer(f ProxyFacts) status.ProxyStatus {
	p := status.ProxyStatus{
		Name: f.Name, Namespace: f.Namespace, Cluster: f.Cluster, Version: f.Version,
		Labels: f.Labels, ControlPlane: f.ControlPlane, Inferred: true,
	}
	types := make(map[string]status.TypeStatus, len(f.Types))
	for _, tf := range f.Types {
		short, url := tf.Type, ""
		if strings.Contains(tf.Type, ".") || strings.Contains(tf.Type, "/") {
			short, url = status.ShortType(tf.Type), tf.Type
		}
		if url == "" {
			url = status.V3TypeURL(short)
		}
		t := status.TypeStatus{Type: short, TypeURL: url, LastUpdated: tf.LastUpdated, VersionAcked: tf.Version, Warming: tf.Warming}
		switch {
		case len(tf.Errors) > 0:
			t.State = status.StateError
			msgs := make([]string, 0, len(tf.Errors))
			for _, e := range tf.Errors {
				msgs = append(msgs, status.OneLine(e))
			}
			t.Error = strings.Join(msgs, "; ")
		case tf.Warming > 0:
			t.State = status.StateStale
		case tf.Version != "" || tf.Dynamic > 0:
			t.State = status.StateSynced
		case tf.Subscribed == Subscribed:
			t.State = status.StateNotSent
		default:
			t.State = status.StateIgnored
		}
		if prev, ok := types[short]; ok && prev.State.Severity() >= t.State.Severity() {
			continue
		}
		types[short] = t
	}
	p.Types = status.SortedTypes(types)
	return p
}
