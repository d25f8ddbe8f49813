package uiapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/xdsctl/xdsctl/pkg/configdiff"
)

// Bounds of the diff answers: two big dumps can differ in tens of thousands of resources, one
// resource in thousands of fields, and a field's value can be a whole virtual host.
const (
	// MaxDiffChanges is the most resources one /api/diff answer lists (and its default page).
	MaxDiffChanges = 500
	// MaxDiffFields is the most changed fields one resource's answer lists.
	MaxDiffFields = 200
	// MaxDiffValue is the most bytes of JSON one old or new value of a field takes; a longer one
	// is cut and becomes a string that says how long it was.
	MaxDiffValue = 2 << 10
	// MaxDiffText is the most bytes of a resource's unified diff or text.
	MaxDiffText = 256 << 10
)

// Diff is what differs between a second source, the baseline ("before"), and the dump the API
// shows ("after"): configdiff's comparison, run once when the Diff is made. Its answers page
// through it and bound what they hold, saying how much they left out.
type Diff struct {
	report *configdiff.Report
	items  []DiffItem
	byKey  map[string]int // kind + "\x00" + name → index in items and report.Changes
}

// DiffKind is one kind's part of the comparison: how many resources each side has and how many
// differ.
type DiffKind struct {
	Kind string `json:"kind"` // as xdsctl diff --kinds takes it: "clusters"
	// Compared is false when a side has none of the kind; NotCompared says why.
	Compared    bool   `json:"compared"`
	NotCompared string `json:"notCompared,omitempty"`
	Before      int    `json:"before"`
	After       int    `json:"after"`
	Added       int    `json:"added"`
	Removed     int    `json:"removed"`
	Changed     int    `json:"changed"`
}

// DiffItem is one resource that differs.
type DiffItem struct {
	Kind   string `json:"kind"` // "clusters", "listeners", ...
	Name   string `json:"name"`
	Change string `json:"change"` // added (only after), removed (only before) or changed
	// Node is the API's kind of the resource (listener, routeconfig, cluster, endpoints) when the
	// shown dump has it and the graph can draw it; "" for a removed resource, a secret, ...
	Node   string `json:"node,omitempty"`
	Fields int    `json:"fields,omitempty"` // how many fields changed
	Plus   int    `json:"plus"`             // lines the unified diff adds (an added resource: its text's)
	Minus  int    `json:"minus"`            // lines it removes
}

// DiffSummary is /api/diff's answer: the comparison's counts and one page of the resources that
// differ, in kind order, then by name.
type DiffSummary struct {
	Before  string     `json:"before"`
	After   string     `json:"after"`
	Equal   bool       `json:"equal"`
	Summary string     `json:"summary"` // "3 resources differ: 1 added, 1 removed, 1 changed"
	Kinds   []DiffKind `json:"kinds"`
	// Total counts every resource that differs; Changes are Total's [Offset, Offset+len) and
	// More is how many follow.
	Total    int        `json:"total"`
	Offset   int        `json:"offset"`
	Changes  []DiffItem `json:"changes"`
	More     int        `json:"more"`
	Warnings []string   `json:"warnings"`
}

// DiffDetail is one resource's change: the fields that changed with their old and new values,
// and the unified diff of its normalized text (a changed resource) or its text (an added or
// removed one).
type DiffDetail struct {
	DiffItem
	Before string `json:"before"`
	After  string `json:"after"`
	// FieldChanges are the first MaxDiffFields changed fields; MoreFields counts the rest.
	FieldChanges []configdiff.FieldChange `json:"fieldChanges"`
	MoreFields   int                      `json:"moreFields"`
	Diff         string                   `json:"diff,omitempty"`
	Text         string                   `json:"text,omitempty"`
	// Cut says what was left out of Diff or Text to keep within MaxDiffText.
	Cut string `json:"cut,omitempty"`
}

// Diff compares base, the second source, with the shown dump, resource by resource, as xdsctl
// diff base <shown> does. When both have the same name they are told apart as a/NAME and b/NAME.
func (a *API) Diff(base configdiff.Input) (*Diff, error) {
	after := configdiff.Input{Name: a.name, Dump: a.raw}
	if base.Name == after.Name {
		base.Name, after.Name = "a/"+base.Name, "b/"+after.Name
	}
	r, err := configdiff.Diff(base, after, configdiff.DiffOptions{})
	if err != nil {
		return nil, err
	}
	d := &Diff{report: r, items: make([]DiffItem, len(r.Changes)), byKey: make(map[string]int, len(r.Changes))}
	for i := range r.Changes {
		c := &r.Changes[i]
		d.items[i] = DiffItem{Kind: c.KindName, Name: c.Name, Change: string(c.Change), Node: a.nodeOf(c),
			Fields: len(c.Fields), Plus: c.Plus, Minus: c.Minus}
		d.byKey[c.KindName+"\x00"+c.Name] = i
		c.Old, c.New = nil, nil // Text has them, written out: a big dump's trees weigh several times more
	}
	return d, nil
}

// nodeOf is the API's kind of a changed resource the shown dump holds.
func (a *API) nodeOf(c *configdiff.ResourceChange) string {
	if c.Change == configdiff.Removed {
		return ""
	}
	var (
		idx  map[string]int
		kind string
	)
	switch c.Kind {
	case configdiff.Listeners:
		idx, kind = a.byListener, KindListener
	case configdiff.Routes:
		idx, kind = a.byRoute, KindRouteConfig
	case configdiff.Clusters:
		idx, kind = a.byCluster, KindCluster
	case configdiff.Endpoints:
		idx, kind = a.byEDS, KindEndpoints
	default:
		return ""
	}
	if _, ok := idx[c.Name]; !ok {
		return ""
	}
	return kind
}

// Equal tells whether the two sides do not differ.
func (d *Diff) Equal() bool { return d.report.Equal }

// Summary returns the counts and up to limit (at most MaxDiffChanges; 0 means that many) of the
// resources that differ from the offset-th on.
func (d *Diff) Summary(offset, limit int) (DiffSummary, error) {
	if offset < 0 || limit < 0 {
		return DiffSummary{}, fmt.Errorf("offset %d, limit %d: give numbers from 0: %w", offset, limit, ErrBadRequest)
	}
	if limit == 0 || limit > MaxDiffChanges {
		limit = MaxDiffChanges
	}
	r := d.report
	s := DiffSummary{Before: r.A, After: r.B, Equal: r.Equal, Summary: r.Summary(), Kinds: []DiffKind{},
		Total: len(d.items), Offset: offset, Changes: []DiffItem{}, Warnings: append([]string{}, r.Warnings...)}
	for _, k := range r.Kinds {
		dk := DiffKind{Kind: k.KindName, Compared: k.Compared, NotCompared: k.NotCompared, Before: k.A, After: k.B}
		for _, it := range d.items {
			if it.Kind != k.KindName {
				continue
			}
			switch configdiff.ChangeType(it.Change) {
			case configdiff.Added:
				dk.Added++
			case configdiff.Removed:
				dk.Removed++
			default:
				dk.Changed++
			}
		}
		s.Kinds = append(s.Kinds, dk)
	}
	if offset < len(d.items) {
		end := min(offset+limit, len(d.items))
		s.Changes = append(s.Changes, d.items[offset:end]...)
		s.More = len(d.items) - end
	}
	return s, nil
}

// Change returns one resource's change, by its kind as xdsctl diff names it ("clusters") and name.
func (d *Diff) Change(kind, name string) (DiffDetail, error) {
	i, ok := d.byKey[kind+"\x00"+name]
	if !ok {
		return DiffDetail{}, fmt.Errorf("%s %q does not differ between %s and %s: %w", kind, name, d.report.A, d.report.B, ErrNotFound)
	}
	c := &d.report.Changes[i]
	out := DiffDetail{DiffItem: d.items[i], Before: d.report.A, After: d.report.B, FieldChanges: []configdiff.FieldChange{}}
	for j, f := range c.Fields {
		if j == MaxDiffFields {
			out.MoreFields = len(c.Fields) - j
			break
		}
		out.FieldChanges = append(out.FieldChanges, configdiff.FieldChange{Path: f.Path, Old: clipValue(f.Old), New: clipValue(f.New)})
	}
	if c.Change == configdiff.Changed {
		out.Diff, out.Cut = clipText(c.Diff)
	} else {
		out.Text, out.Cut = clipText(c.Text())
	}
	return out, nil
}

// clipValue returns v, or when its JSON is longer than MaxDiffValue, that JSON's start as a
// string saying how long it was.
func clipValue(v any) any {
	if v == nil {
		return nil
	}
	b, err := json.Marshal(v)
	if err != nil || len(b) <= MaxDiffValue {
		return v
	}
	n := MaxDiffValue
	for n > 0 && !utf8.RuneStart(b[n]) {
		n--
	}
	return fmt.Sprintf("%s… (%d bytes in all: the diff below has it)", b[:n], len(b))
}

// clipText cuts s at a line end within MaxDiffText and says how many lines were left out.
func clipText(s string) (text, cut string) {
	if len(s) <= MaxDiffText {
		return s, ""
	}
	n := strings.LastIndexByte(s[:MaxDiffText], '\n') + 1
	left := strings.Count(s[n:], "\n")
	if !strings.HasSuffix(s, "\n") {
		left++
	}
	return s[:n], fmt.Sprintf("%d more lines: xdsctl diff shows them all", left)
}

// Handler serves the comparison under /api/diff: GET only, JSON only.
//
//	/api/diff?offset=&limit=       the counts, and a page of the resources that differ
//	/api/diff/{kind}/{name}        one resource's changed fields and unified diff
func (d *Diff) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/diff", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		offset, err := intParam(q.Get("offset"), "offset")
		if err != nil {
			writeError(w, err)
			return
		}
		limit, err := intParam(q.Get("limit"), "limit")
		if err != nil {
			writeError(w, err)
			return
		}
		send[DiffSummary](w)(d.Summary(offset, limit))
	})
	mux.HandleFunc("GET /api/diff/{kind}/{name...}", func(w http.ResponseWriter, r *http.Request) {
		send[DiffDetail](w)(d.Change(r.PathValue("kind"), r.PathValue("name")))
	})
	mux.HandleFunc("GET /api/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, fmt.Errorf("API endpoint %s %s: %w", r.Method, r.URL.Path, ErrNotFound))
	})
	return mux
}

func intParam(s, name string) (int, error) {
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%s=%q: give a number from 0: %w", name, s, ErrBadRequest)
	}
	return n, nil
}
