// Package analyze finds what is broken in an Envoy configuration: references to resources the
// proxy does not have, rejected and warming resources, certificates out of date, routes that can
// never match, listeners Envoy refuses, and more. It is pure: views of a config dump (and, when
// given, /clusters health) in, findings out. Each finding has a stable code documented in
// docs/analyze.md.
package analyze

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// Severity says how bad a finding is.
type Severity int

// The severities, from least to most severe.
const (
	// Info explains something worth knowing that is not wrong.
	Info Severity = iota
	// Warning is likely wrong: traffic may fail, or the config does not do what it seems to.
	Warning
	// Error is what Envoy rejects, or where traffic fails.
	Error
)

var severityNames = [...]string{"info", "warning", "error"}

// String is the severity's name in JSON: info, warning or error.
func (s Severity) String() string {
	if s < Info || s > Error {
		return fmt.Sprintf("severity(%d)", int(s))
	}
	return severityNames[s]
}

// Title is the severity as the table shows it: Info, Warning or Error.
func (s Severity) Title() string {
	n := s.String()
	return strings.ToUpper(n[:1]) + n[1:]
}

// ParseSeverity reads a severity name (any case).
func ParseSeverity(s string) (Severity, error) {
	for i, n := range severityNames {
		if strings.EqualFold(s, n) {
			return Severity(i), nil
		}
	}
	return 0, fmt.Errorf("unknown severity %q: use one of %s", s, strings.Join(severityNames[:], ", "))
}

// MarshalJSON writes the severity's name.
func (s Severity) MarshalJSON() ([]byte, error) { return json.Marshal(s.String()) }

// UnmarshalJSON reads a severity's name.
func (s *Severity) UnmarshalJSON(b []byte) error {
	var n string
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	v, err := ParseSeverity(n)
	*s = v
	return err
}

// Resource kinds, as Envoy's API names the messages.
const (
	KindListener       = "Listener"
	KindCluster        = "Cluster"
	KindRouteConfig    = "RouteConfiguration"
	KindSecret         = "Secret"
	KindLoadAssignment = "ClusterLoadAssignment"
	KindExtension      = "TypedExtensionConfig"
	KindProxy          = "Proxy" // the proxy as a whole (its counters, its outbound policy)
)

// Resource is where a finding is: a resource and, inside it, a path such as
// "chain[1:virtualInbound]" or "vhost[reviews:80]/route[2:default]".
type Resource struct {
	Kind string `json:"kind"`
	Name string `json:"name"`
	Path string `json:"path"`
}

// String is the RESOURCE cell: Kind/name, then the path after a space.
func (r Resource) String() string {
	name := r.Name
	if name == "" {
		name = "(unnamed)" // a static listener may have no name
	}
	s := r.Kind + "/" + name
	if r.Path != "" {
		s += " " + r.Path
	}
	return s
}

// Finding is one problem (or, as info, one explanation) found in a configuration.
type Finding struct {
	Code     string   `json:"code"`
	Severity Severity `json:"severity"`
	Resource Resource `json:"resource"`
	// Message is one line naming every resource involved.
	Message string `json:"message"`
	// Hint says what to do about it.
	Hint string `json:"hint"`
}

// Sort orders findings by severity (most severe first), code, resource and message, so output
// is stable.
func Sort(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := &fs[i], &fs[j]
		if a.Severity != b.Severity {
			return a.Severity > b.Severity
		}
		if a.Code != b.Code {
			return a.Code < b.Code
		}
		if a.Resource.Kind != b.Resource.Kind {
			return a.Resource.Kind < b.Resource.Kind
		}
		if a.Resource.Name != b.Resource.Name {
			return a.Resource.Name < b.Resource.Name
		}
		if a.Resource.Path != b.Resource.Path {
			return a.Resource.Path < b.Resource.Path
		}
		return a.Message < b.Message
	})
}

// chainPath names a filter chain in a Resource path: its index, and its name when it has one.
func chainPath(i int, name string) string {
	if i < 0 {
		return "default_filter_chain" + bracket(name)
	}
	return indexed("chain", i, name)
}

// vhostPath names a virtual host.
func vhostPath(name string, i int) string {
	if name == "" {
		return fmt.Sprintf("vhost[%d]", i)
	}
	return "vhost[" + name + "]"
}

// routePath names a route of a virtual host.
func routePath(vhost string, vi, ri int, name string) string {
	return vhostPath(vhost, vi) + "/" + indexed("route", ri, name)
}

func indexed(what string, i int, name string) string {
	if name == "" {
		return fmt.Sprintf("%s[%d]", what, i)
	}
	return fmt.Sprintf("%s[%d:%s]", what, i, name)
}

func bracket(name string) string {
	if name == "" {
		return ""
	}
	return "[" + name + "]"
}

// oneLine keeps a message (Envoy's NACK details can span lines) on one line.
func oneLine(s string) string {
	s = strings.TrimSpace(s)
	if !strings.ContainsAny(s, "\r\n\t") {
		return s
	}
	return strings.Join(strings.Fields(s), " ")
}
