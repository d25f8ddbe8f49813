package status

import (
	"sort"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/util/duration"
)

// TableOptions shape the status table.
type TableOptions struct {
	// Wide adds the versions and NACK messages.
	Wide bool
	// Now is the clock for ages (injected so output is reproducible).
	Now time.Time
}

// Table returns the headers and rows of the status table, kubectl style: one row per proxy and control
// plane, sorted; columns NAME CLUSTER CDS LDS EDS RDS ECDS, then any other type some proxy subscribes to
// (SDS, WDS, …, by name), then CONTROL PLANE VERSION; wide adds NODE ID after NAME when a proxy is
// named pod.namespace from an Istio-shaped node ID, and XDS VERSIONS and NACK, one line per
// rejected resource (NACKLines): a proxy's further lines are rows of their own with only NACK set. A state cell reads
// like istioctl's: "SYNCED (5m)", "STALE (2s)", "ERROR (1h)" (age since last_updated, via the same
// HumanDuration as kubectl), "NOT SENT", "IGNORED". Empty cells are "-". Rows of an inferred status show
// "(inferred)" in CONTROL PLANE.
func Table(ps []ProxyStatus, o TableOptions) (headers []string, rows [][]string) {
	cols := Columns(ps)
	nodeIDs := o.Wide && anyNodeID(ps)
	headers = append(headers, "NAME")
	if nodeIDs {
		headers = append(headers, "NODE ID")
	}
	headers = append(headers, "CLUSTER")
	headers = append(headers, cols...)
	headers = append(headers, "CONTROL PLANE", "VERSION")
	if o.Wide {
		headers = append(headers, "XDS VERSIONS", "NACK")
	}
	order := make([]int, len(ps))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool {
		pa, pb := &ps[order[a]], &ps[order[b]]
		if pa.Name != pb.Name {
			return pa.Name < pb.Name
		}
		if pa.Namespace != pb.Namespace {
			return pa.Namespace < pb.Namespace
		}
		return pa.ControlPlane < pb.ControlPlane
	})
	rows = make([][]string, 0, len(ps))
	for _, i := range order {
		p := &ps[i]
		row := make([]string, 0, len(headers))
		row = append(row, cell(p.Name))
		if nodeIDs {
			id := p.NodeID
			if id == "" {
				id = p.Name
			}
			row = append(row, id)
		}
		row = append(row, cell(p.Cluster))
		for _, c := range cols {
			t, ok := p.Type(c)
			if !ok {
				row = append(row, string(StateIgnored))
				continue
			}
			row = append(row, StateCell(t, o.Now))
		}
		cp := p.ControlPlane
		if p.Inferred {
			cp = strings.TrimSpace(cp + " (inferred)")
		}
		row = append(row, cell(cp), cell(p.Version))
		if o.Wide {
			nacks := NACKLines(p)
			first := ""
			if len(nacks) > 0 {
				first = nacks[0]
			}
			row = append(row, cell(versionsCell(p)), cell(first))
			rows = append(rows, row)
			// One line per rejected resource: the others continue the row, the other cells blank.
			for _, n := range nacks[min(1, len(nacks)):] {
				cont := make([]string, len(headers))
				cont[len(cont)-1] = n
				rows = append(rows, cont)
			}
			continue
		}
		rows = append(rows, row)
	}
	return headers, rows
}

// anyNodeID tells whether a proxy is named otherwise than by its node ID: the wide table then
// shows NODE ID too.
func anyNodeID(ps []ProxyStatus) bool {
	for i := range ps {
		if ps[i].NodeID != "" {
			return true
		}
	}
	return false
}

// Columns lists the type columns for these proxies: the standard five, then every other type some proxy
// has a non-IGNORED state for, by name.
func Columns(ps []ProxyStatus) []string {
	cols := append([]string(nil), StandardTypes...)
	extra := map[string]bool{}
	for i := range ps {
		for _, t := range ps[i].Types {
			if standardIndex(t.Type) < 0 && t.State != StateIgnored {
				extra[t.Type] = true
			}
		}
	}
	names := make([]string, 0, len(extra))
	for n := range extra {
		names = append(names, n)
	}
	sort.Strings(names)
	return append(cols, names...)
}

// StateCell renders one type's state with its age: "SYNCED (5m)". NOT SENT and IGNORED have no age, nor does
// a state without a LastUpdated.
func StateCell(t TypeStatus, now time.Time) string {
	s := string(t.State)
	if s == "" {
		s = string(StateIgnored)
	}
	if t.LastUpdated.IsZero() || now.IsZero() || t.State == StateNotSent || t.State == StateIgnored {
		return s
	}
	d := now.Sub(t.LastUpdated)
	if d < 0 {
		d = 0 // clock skew between us and the control plane
	}
	return s + " (" + duration.HumanDuration(d) + ")"
}

// versionsCell lists per type the version accepted, and the one sent when it differs: "CDS=v5 LDS=v5→v6".
// When only the version sent is known (a control plane's CSDS has no field for the version a proxy
// acknowledged), it is shown alone with what became of it: "CDS=v6 (not acked)" for STALE,
// "CDS=v6 (rejected)" for ERROR.
func versionsCell(p *ProxyStatus) string {
	var parts []string
	for _, t := range p.Types {
		if v := versionsOf(t); v != "" {
			parts = append(parts, t.Type+"="+v)
		}
	}
	return strings.Join(parts, " ")
}

// versionsOf renders the versions of one type as the wide table shows them: "v5" (accepted, and the
// last sent), "v5→v6" (accepted v5, sent v6), "v6 (not acked)" or "v6 (rejected)" (sent v6, the
// accepted version unknown), "" when no version is known.
func versionsOf(t TypeStatus) string {
	acked, sent := t.VersionAcked, t.VersionSent
	switch {
	case acked == "" && sent == "":
		return ""
	case sent == "" || sent == acked:
		return acked
	case acked != "":
		return acked + "→" + sent
	case t.State == StateStale:
		return sent + " (not acked)"
	case t.State == StateError:
		return sent + " (rejected)"
	default:
		return sent
	}
}

func cell(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
