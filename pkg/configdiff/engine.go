package configdiff

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/xdsctl/xdsctl/internal/jsonscan"
	"github.com/xdsctl/xdsctl/pkg/configdump"
)

// Input is one side of a comparison.
type Input struct {
	// Name is what headers and messages call the side ("reviews-v1-7f9c.default", "istiod-0").
	Name string
	// Dump is what configdump.ParseInput reads: a /config_dump, one of its sections alone, an Envoy
	// bootstrap file, or bare xDS resources (JSON or YAML).
	Dump []byte
	// Opaque are type URLs of payloads this side could not decode (binary.go): payloads of these
	// types are compared by type only, on both sides.
	Opaque []string
}

// TextFormat is how a resource is written for its unified diff.
type TextFormat int

const (
	// YAML in proto field order (xdsctl diff).
	YAML TextFormat = iota
	// JSON indented, in proto field order (proxy-status, as istioctl shows it).
	JSON
)

// DiffOptions tune Diff.
type DiffOptions struct {
	// Kinds to compare (default AllKinds).
	Kinds []Kind
	// Ignore are field paths not compared ([KIND:]FIELD[.FIELD]..., see CheckIgnore), on top of
	// DefaultIgnore.
	Ignore []string
	// NormalizePod replaces each side's own pod IPs and pod name (read from its bootstrap) with
	// placeholders, in resource names and values, so twin replicas compare equal.
	NormalizePod bool
	// DynamicOnly compares only dynamic resources (what a control plane sent); static ones and the
	// bootstrap come from the proxy's own bootstrap file.
	DynamicOnly bool
	// FirstSideDecides compares a kind whenever side A has it (a control plane's view: a kind it
	// reports and the proxy lacks entirely is a difference). Otherwise a kind is compared only when
	// both sides have it.
	FirstSideDecides bool
	// Context is the number of unchanged lines around each change in a diff (default 3).
	Context int
	// ShowSecrets compares and shows private keys and other secret material instead of redacting
	// it on both sides.
	ShowSecrets bool
	// Format of the text the diffs show.
	Format TextFormat
}

// ChangeType says how a resource differs.
type ChangeType string

// The change types.
const (
	Added   ChangeType = "added"   // only in B
	Removed ChangeType = "removed" // only in A
	Changed ChangeType = "changed" // in both, different
)

// Report is the comparison of two configs: the resources that differ, per kind.
type Report struct {
	A     string `json:"a"`
	B     string `json:"b"`
	Equal bool   `json:"equal"`
	// Kinds say, per kind asked for, whether it was compared and how many resources each side has.
	Kinds []KindSummary `json:"kinds"`
	// Changes are the resources that differ, in kind order, then by name.
	Changes []ResourceChange `json:"changes"`
	// Warnings are what the comparison could not fully do.
	Warnings []string `json:"warnings,omitempty"`
}

// KindSummary is one kind's part of a Report.
type KindSummary struct {
	Kind        Kind   `json:"-"`
	KindName    string `json:"kind"` // as --kinds takes it: "clusters"
	Compared    bool   `json:"compared"`
	NotCompared string `json:"notCompared,omitempty"`
	A           int    `json:"a"`
	B           int    `json:"b"`
	// LastUpdated is side B's newest last_updated of the kind, as its dump spells it (proxy-status
	// shows it; diff ignores it).
	LastUpdated string `json:"-"`
}

// ResourceChange is one resource that differs.
type ResourceChange struct {
	Kind     Kind       `json:"-"`
	KindName string     `json:"kind"` // as --kinds takes it: "clusters"
	Name     string     `json:"name"`
	Change   ChangeType `json:"change"`
	// Fields are, for a changed resource, the fields that differ, with the old (A) and new (B)
	// values; an added field has no old value, a removed one no new value.
	Fields []FieldChange `json:"fields,omitempty"`
	// Old is a removed resource, New an added one (normalized).
	Old any `json:"old,omitempty"`
	New any `json:"new,omitempty"`
	// Diff is a unified diff (A → B) of the resource's normalized text, for a changed resource.
	Diff string `json:"-"`
	// Plus and Minus count the lines of the diff (for an added or removed resource: its text).
	Plus  int `json:"-"`
	Minus int `json:"-"`

	textA, textB string
}

// FieldChange is one field that differs. Path is written from the resource down:
// "filter_chains[name=virtualInbound].filters[0].typed_config.stat_prefix"; a list of named
// elements is indexed by name, another by position.
type FieldChange struct {
	Path string `json:"path"`
	Old  any    `json:"old,omitempty"`
	New  any    `json:"new,omitempty"`
}

// Diff compares two configs resource by resource. Resources are matched by kind and name;
// each is normalized (configdump.Normalize: Envoy's field names, Any expanded, secrets redacted)
// and canonicalized (canon.go) before comparing, so spelling, key order, defaults, versions and
// the order of set-like lists make no difference.
func Diff(a, b Input, o DiffOptions) (*Report, error) {
	if o.Context <= 0 {
		o.Context = 3
	}
	if len(o.Kinds) == 0 {
		o.Kinds = AllKinds
	}
	ignore, err := parseIgnore(append(slices.Clone(DefaultIgnore), o.Ignore...))
	if err != nil {
		return nil, err
	}
	da, err := configdump.ParseInput(a.Dump)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", a.Name, err)
	}
	db, err := configdump.ParseInput(b.Dump)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", b.Name, err)
	}
	e := &engine{o: o, a: a, b: b, w: configdump.NewWarnings(), opaque: map[string]bool{}}
	for _, u := range append(slices.Clone(a.Opaque), b.Opaque...) {
		e.opaque[canonicalTypeURL(u)] = true
	}
	r := &Report{A: a.Name, B: b.Name}
	if !haveSchema() {
		r.Warnings = append(r.Warnings, "xdsctl has no Envoy API schema linked: resources are compared as JSON, without unifying defaults and spellings")
	}
	if o.NormalizePod {
		e.podA, e.podB = podNamesOf(da), podNamesOf(db)
		for _, s := range []struct {
			in  Input
			pod *podNames
		}{{a, e.podA}, {b, e.podB}} {
			if s.pod == nil {
				r.Warnings = append(r.Warnings, fmt.Sprintf("%s has no bootstrap naming its pod: --normalize-pod leaves its names as they are", s.in.Name))
			}
		}
		e.samePods = (e.podA == nil && e.podB == nil) ||
			(e.podA != nil && e.podB != nil && e.podA.name == e.podB.name && slices.Equal(e.podA.ips, e.podB.ips))
	} else {
		e.samePods = true
	}
	for _, k := range o.Kinds {
		info, ok := kinds[k]
		if !ok {
			return nil, fmt.Errorf("unknown kind %q", k)
		}
		e.ignore = forKind(ignore, k)
		if k == Bootstrap {
			e.ignore = append(e.ignore, pathPattern{segs: []string{"static_resources"}}) // compared as resources
		}
		ks, changes, err := e.kind(k, info, da, db)
		if err != nil {
			return nil, err
		}
		r.Kinds = append(r.Kinds, ks)
		r.Changes = append(r.Changes, changes...)
		if !ks.Compared && ks.NotCompared != "" && !o.FirstSideDecides && (ks.A > 0 || ks.B > 0) {
			r.Warnings = append(r.Warnings, fmt.Sprintf("%s not compared: %s", strings.ToLower(string(k)), ks.NotCompared))
		}
	}
	r.Equal = len(r.Changes) == 0
	r.Warnings = append(r.Warnings, inputWarnings(a.Name, da)...)
	r.Warnings = append(r.Warnings, inputWarnings(b.Name, db)...)
	r.Warnings = append(r.Warnings, e.w.List()...)
	for _, u := range slices.Sorted(maps.Keys(e.opaque)) {
		r.Warnings = append(r.Warnings, fmt.Sprintf("payloads of type %s are compared by type only: xdsctl cannot decode them on one side", u))
	}
	return r, nil
}

// inputWarnings are what reading a side said: a partial dump, a bare section, what a static config
// file held that is not compared.
func inputWarnings(name string, d *configdump.Dump) []string {
	ws := d.Warnings.List()
	if d.Partial != "" && !slices.Contains(ws, d.Partial) {
		ws = append([]string{d.Partial}, ws...)
	}
	out := make([]string, 0, len(ws))
	for _, w := range ws {
		out = append(out, name+": "+w)
	}
	return out
}

type engine struct {
	o          DiffOptions
	a, b       Input
	w          *configdump.Warnings
	opaque     map[string]bool
	ignore     []pathPattern
	podA, podB *podNames
	samePods   bool // the pod rewriting is the same on both sides: equal bytes stay equal
}

// resource is one resource found in a dump.
type resource struct {
	name string // as the dump names it (before --normalize-pod)
	raw  jsonscan.Value
}

func (e *engine) kind(k Kind, info kindInfo, da, db *configdump.Dump) (KindSummary, []ResourceChange, error) {
	ks := KindSummary{Kind: k, KindName: k.Flag()}
	hasA, hasB := has(da, info, e.o.DynamicOnly), has(db, info, e.o.DynamicOnly)
	ra, _, err := extractAll(da, info, e.o.DynamicOnly)
	if err != nil {
		return ks, nil, fmt.Errorf("read the %s of %s: %w", strings.ToLower(string(k)), e.a.Name, err)
	}
	rb, last, err := extractAll(db, info, e.o.DynamicOnly)
	if err != nil {
		return ks, nil, fmt.Errorf("read the %s of %s: %w", strings.ToLower(string(k)), e.b.Name, err)
	}
	ks.A, ks.B, ks.LastUpdated = len(ra), len(rb), last
	// bare xDS resources (no bootstrap) have only the kinds they hold: a file of routes says nothing
	// about clusters; nor does a truncated dump about the kinds it lost
	hasA = hasA && !((bare(da) || da.Partial != "") && len(ra) == 0)
	hasB = hasB && !((bare(db) || db.Partial != "") && len(rb) == 0)
	switch {
	case e.o.FirstSideDecides && !hasA:
		ks.NotCompared = e.a.Name + " reported none"
		return ks, nil, nil
	case !e.o.FirstSideDecides && (!hasA || !hasB):
		switch {
		case !hasA && !hasB:
			ks.NotCompared = "neither side has them"
		case !hasA:
			ks.NotCompared = e.a.Name + " has none"
		default:
			ks.NotCompared = e.b.Name + " has none"
		}
		return ks, nil, nil
	}
	ks.Compared = true
	byName := func(rs []resource, pod *podNames) map[string]resource {
		m := make(map[string]resource, len(rs))
		for _, r := range rs {
			n := r.name
			if pod != nil {
				n = pod.replace(n)
			}
			m[n] = r
		}
		return m
	}
	ma, mb := byName(ra, e.podA), byName(rb, e.podB)
	names := make([]string, 0, len(ma)+len(mb))
	for n := range ma {
		names = append(names, n)
	}
	for n := range mb {
		if _, ok := ma[n]; !ok {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	var out []ResourceChange
	for _, n := range names {
		x, inA := ma[n]
		y, inB := mb[n]
		if inA && inB && bytes.Equal(x.raw.Raw(), y.raw.Raw()) && (e.samePods || !(e.podA.in(x.raw.Raw()) || e.podB.in(x.raw.Raw()))) {
			continue // the same bytes are the same config (unless a side's pod names are rewritten in them)
		}
		rc := ResourceChange{Kind: k, KindName: k.Flag(), Name: n}
		var va, vb any
		if inA {
			if va, err = e.canon(x, info, e.podA); err != nil {
				return ks, nil, fmt.Errorf("%s %s %q: %w", e.a.Name, singular(k), x.name, err)
			}
		}
		if inB {
			if vb, err = e.canon(y, info, e.podB); err != nil {
				return ks, nil, fmt.Errorf("%s %s %q: %w", e.b.Name, singular(k), y.name, err)
			}
		}
		switch {
		case inA && !inB:
			rc.Change, rc.Old = Removed, va
			rc.textA = e.text(va)
			rc.Minus = lineCount(rc.textA)
		case inB && !inA:
			rc.Change, rc.New = Added, vb
			rc.textB = e.text(vb)
			rc.Plus = lineCount(rc.textB)
		default:
			if compact(va) == compact(vb) {
				continue
			}
			rc.Change = Changed
			rc.Fields = fieldChanges(nil, va, vb, "")
			if len(rc.Fields) == 0 { // not expected: the values differ somewhere
				rc.Fields = []FieldChange{{Path: ".", Old: va, New: vb}}
			}
			rc.textA, rc.textB = e.text(va), e.text(vb)
			rc.Diff = unified([]block{{name: n, text: rc.textA}}, []block{{name: n, text: rc.textB}},
				e.a.Name+" "+strings.ToLower(string(k))+"/"+n, e.b.Name+" "+strings.ToLower(string(k))+"/"+n, e.o.Context, singular(k))
			rc.Plus, rc.Minus = countDiff(rc.Diff)
		}
		out = append(out, rc)
	}
	return ks, out, nil
}

func (e *engine) text(v any) string {
	if e.o.Format == JSON {
		return prettyJSON(v)
	}
	return prettyYAML(v)
}

// canon normalizes and canonicalizes one resource.
func (e *engine) canon(r resource, info kindInfo, pod *podNames) (any, error) {
	norm, err := configdump.Normalize(r.raw.Raw(), configdump.NormalizeOptions{Warnings: e.w, Type: info.message, ShowSecrets: e.o.ShowSecrets})
	if err != nil {
		return nil, err
	}
	var v any
	dec := json.NewDecoder(bytes.NewReader(norm))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if m, ok := v.(map[string]any); ok && info.resKey != "" {
		if _, typed := m["@type"]; !typed {
			// the kind says what a resource is: a dump that spells its type out (Envoy's since
			// 1.14) and one that does not (older ones) hold the same resource
			m["@type"] = "type.googleapis.com/" + info.message
		}
	}
	c := &canonicalizer{opaque: e.opaque, ignore: e.ignore, pod: pod}
	return c.value(v, lookup(info.message), nil), nil
}

func lineCount(s string) int { return strings.Count(s, "\n") }

func countDiff(d string) (plus, minus int) {
	for _, l := range strings.Split(d, "\n") {
		switch {
		case strings.HasPrefix(l, "+++"), strings.HasPrefix(l, "---"):
		case strings.HasPrefix(l, "+"):
			plus++
		case strings.HasPrefix(l, "-"):
			minus++
		}
	}
	return plus, minus
}

// bare tells whether a dump was built from bare xDS resources (configdump.ParseStatic without a
// bootstrap).
func bare(d *configdump.Dump) bool {
	return d.Static != "" && !d.Has(configdump.SectionBootstrap)
}

// has tells whether a dump has the kind at all (a section, or a bootstrap's static resources).
func has(d *configdump.Dump, info kindInfo, dynamicOnly bool) bool {
	if d.Has(info.section) {
		return true
	}
	return !dynamicOnly && info.bootstrapKey != "" && d.Has(configdump.SectionBootstrap)
}

// extractAll reads a kind's resources (static and dynamic unless dynamicOnly), and side's newest
// last_updated. For a resource both active and warming, the warming one (the newest) is kept.
func extractAll(d *configdump.Dump, info kindInfo, dynamicOnly bool) ([]resource, string, error) {
	if info.section == configdump.SectionBootstrap {
		sec, ok := d.Section(configdump.SectionBootstrap)
		if !ok || dynamicOnly {
			return nil, "", nil
		}
		boot := sec.Get("bootstrap")
		if boot.Kind() != jsonscan.Object {
			return nil, "", nil
		}
		return []resource{{name: "bootstrap", raw: boot}}, sec.Get("last_updated").Str(), nil
	}
	found := map[string]jsonscan.Value{}
	var order []string
	add := func(name string, v jsonscan.Value) {
		if _, ok := found[name]; !ok {
			order = append(order, name)
		}
		found[name] = v
	}
	last := ""
	lists := info.lists
	if !dynamicOnly && info.static != "" {
		lists = append([]string{info.static}, lists...)
	}
	if !d.Has(info.section) && !dynamicOnly && info.bootstrapKey != "" {
		// a bootstrap on its own: its static resources
		if sec, ok := d.Section(configdump.SectionBootstrap); ok {
			_ = sec.Get("bootstrap", "static_resources", info.bootstrapKey).Items(func(_ int, r jsonscan.Value) bool {
				if r.Kind() == jsonscan.Object {
					add(r.Get(info.nameKey).Str(), r)
				}
				return true
			})
		}
	}
	for _, sec := range d.SectionsOf(info.section) {
		for _, list := range lists {
			seen := map[string]int{} // a name twice in one list is two resources (not an update)
			var ferr error
			err := sec.Get(list).Items(func(_ int, entry jsonscan.Value) bool {
				if entry.Kind() != jsonscan.Object {
					return true
				}
				if lu := entry.Get("last_updated").Str(); lu > last {
					last = lu
				}
				var r jsonscan.Value
				if len(info.stateKey) == 0 || list == info.static {
					r = entry.Get(info.resKey)
				} else {
					for _, st := range info.stateKey {
						s := entry.Get(st)
						if lu := s.Get("last_updated").Str(); lu > last {
							last = lu
						}
						if x := s.Get(info.resKey); x.Exists() {
							r = x
						}
					}
				}
				if !r.Exists() {
					return true // only an error_state: the proxy never had it
				}
				if r.Kind() != jsonscan.Object {
					ferr = errors.New("a resource is not a JSON object")
					return false
				}
				name := r.Get(info.nameKey).Str()
				if name == "" {
					name = entry.Get("name").Str()
				}
				if name == "" {
					name = "(unnamed)"
				}
				seen[name]++
				if n := seen[name]; n > 1 {
					name = fmt.Sprintf("%s [%d]", name, n)
				}
				add(name, r)
				return true
			})
			if ferr != nil {
				return nil, "", ferr
			}
			if err != nil {
				return nil, "", err
			}
		}
	}
	out := make([]resource, 0, len(order))
	for _, n := range order {
		out = append(out, resource{name: n, raw: found[n]})
	}
	return out, last, nil
}
