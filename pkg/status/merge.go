package status

import (
	"fmt"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/labels"
)

// Merge joins the reports of several control planes (the replicas of one revision). A proxy connected to two
// replicas at once (during a reconnect) keeps one row per replica; the same proxy reported twice by the same
// replica (asked twice through a load-balanced address) keeps the entry with the newest LastUpdated.
func Merge(reports ...*Report) *Report {
	out := &Report{}
	type key struct{ name, ns, cp string }
	idx := map[key]int{}
	for _, r := range reports {
		if r == nil {
			continue
		}
		out.Warnings = append(out.Warnings, r.Warnings...)
		for _, p := range r.Proxies {
			k := key{p.Name, p.Namespace, p.ControlPlane}
			if i, ok := idx[k]; ok {
				if newest(p).After(newest(out.Proxies[i])) {
					out.Proxies[i] = p
				}
				continue
			}
			idx[k] = len(out.Proxies)
			out.Proxies = append(out.Proxies, p)
		}
	}
	Sort(out.Proxies)
	return out
}

func newest(p ProxyStatus) (t time.Time) {
	for _, ty := range p.Types {
		if ty.LastUpdated.After(t) {
			t = ty.LastUpdated
		}
	}
	return t
}

// Filter selects proxies. The zero Filter keeps everything.
type Filter struct {
	// Namespace keeps proxies in this namespace (proxies whose namespace is unknown are dropped).
	Namespace string
	// States keeps proxies with at least one type in one of these states; with NotStates, proxies with at
	// least one subscribed (non-IGNORED) type in none of them.
	States    []State
	NotStates bool
	// Labels keeps proxies whose labels match; proxies without known labels match only an empty selector.
	Labels labels.Selector
}

// Apply returns the proxies f keeps, in their order.
func (f Filter) Apply(ps []ProxyStatus) []ProxyStatus {
	out := make([]ProxyStatus, 0, len(ps))
	for i := range ps {
		if f.Match(&ps[i]) {
			out = append(out, ps[i])
		}
	}
	return out
}

// Match reports whether f keeps p.
func (f Filter) Match(p *ProxyStatus) bool {
	if f.Namespace != "" && p.Namespace != f.Namespace {
		return false
	}
	if f.Labels != nil && !f.Labels.Empty() && !f.Labels.Matches(labels.Set(p.Labels)) {
		return false
	}
	if len(f.States) == 0 {
		return true
	}
	for _, t := range p.Types {
		in := false
		for _, s := range f.States {
			if t.State == s {
				in = true
				break
			}
		}
		if f.NotStates && !in && t.State != StateIgnored {
			return true
		}
		if !f.NotStates && in {
			return true
		}
	}
	return false
}

// ParseStates reads a --status value: a comma-separated list of SYNCED, STALE, NOT_SENT (or "NOT SENT",
// NOTSENT), ERROR, IGNORED, case-insensitive; "UNSYNCED" means STALE,NOT_SENT,ERROR. A leading "!"
// negates the whole list ("!SYNCED": proxies with a subscribed type that is not SYNCED).
func ParseStates(v string) (states []State, not bool, err error) {
	v = strings.TrimSpace(v)
	if strings.HasPrefix(v, "!") {
		not, v = true, v[1:]
	}
	for _, part := range strings.Split(v, ",") {
		w := strings.ToUpper(strings.TrimSpace(part))
		w = strings.NewReplacer("_", "", " ", "", "-", "").Replace(w)
		switch w {
		case "SYNCED":
			states = append(states, StateSynced)
		case "STALE":
			states = append(states, StateStale)
		case "NOTSENT":
			states = append(states, StateNotSent)
		case "ERROR":
			states = append(states, StateError)
		case "IGNORED":
			states = append(states, StateIgnored)
		case "UNSYNCED":
			states = append(states, StateStale, StateNotSent, StateError)
		default:
			return nil, false, fmt.Errorf("unknown status %q: use SYNCED, STALE, NOT_SENT, ERROR, IGNORED or UNSYNCED, optionally prefixed with !", strings.TrimSpace(part))
		}
	}
	return states, not, nil
}
