// Package configdump turns the bytes of Envoy admin output — /config_dump (v3, v2alpha, 2018-era
// map form, snake_case or camelCase) and /clusters?format=json — into typed views: plain structs
// that renderers print. It reads lazily: only the sections and fields a view needs are decoded.
package configdump

import (
	"errors"
	"fmt"
	"strings"

	"github.com/xdsctl/xdsctl/internal/jsonscan"
)

// Format is what kind of admin output a document is.
type Format int

// The admin outputs xdsctl reads.
const (
	FormatUnknown    Format = iota
	FormatConfigDump        // /config_dump
	FormatClusters          // /clusters?format=json
)

func (f Format) String() string {
	switch f {
	case FormatConfigDump:
		return "config_dump"
	case FormatClusters:
		return "clusters"
	}
	return "unknown"
}

// SectionKind names a section of a config dump.
type SectionKind string

// The sections of a config dump.
const (
	SectionBootstrap    SectionKind = "bootstrap"
	SectionClusters     SectionKind = "clusters"
	SectionEndpoints    SectionKind = "endpoints"
	SectionListeners    SectionKind = "listeners"
	SectionScopedRoutes SectionKind = "scoped_routes"
	SectionRoutes       SectionKind = "routes"
	SectionSecrets      SectionKind = "secrets"
	SectionEcds         SectionKind = "ecds"
	SectionUnknown      SectionKind = "unknown"
)

// sectionTypes maps the message name of a section (after the package) to its kind.
var sectionTypes = map[string]SectionKind{
	"BootstrapConfigDump":    SectionBootstrap,
	"ClustersConfigDump":     SectionClusters,
	"EndpointsConfigDump":    SectionEndpoints,
	"ListenersConfigDump":    SectionListeners,
	"ScopedRoutesConfigDump": SectionScopedRoutes,
	"RoutesConfigDump":       SectionRoutes,
	"SecretsConfigDump":      SectionSecrets,
	"EcdsConfigDump":         SectionEcds,
}

// mapKeys maps the keys of a 2018-era dump, whose configs is an object, to section kinds.
var mapKeys = map[string]SectionKind{
	"bootstrap": SectionBootstrap, "clusters": SectionClusters, "listeners": SectionListeners,
	"routes": SectionRoutes, "secrets": SectionSecrets, "endpoints": SectionEndpoints,
}

// Section is one entry of a config dump's configs.
type Section struct {
	Kind    SectionKind
	TypeURL string
	Value   jsonscan.Value
}

// Dump is a parsed config dump: its sections, found without decoding them.
type Dump struct {
	Sections []Section
	// Partial is set when the input was cut short and only the complete sections are kept.
	Partial string
	// Warnings collects what the views met and could not fully show (unknown types and the like).
	Warnings *Warnings
}

// InputError is a problem with the input as a whole: the command names the input before it.
type InputError struct{ Msg string }

func (e *InputError) Error() string { return e.Msg }

func inputErrorf(format string, args ...any) error {
	return &InputError{Msg: fmt.Sprintf(format, args...)}
}

// ErrNoSection is returned (wrapped) when a dump lacks the section a view needs.
var ErrNoSection = errors.New("no such section")

// Detect tells which admin output data holds, or returns an error that says what it is instead.
func Detect(data []byte) (Format, error) {
	root, err := parseRoot(data)
	if root.Kind() != jsonscan.Object {
		if err != nil {
			return FormatUnknown, err
		}
		return FormatUnknown, inputErrorf("JSON %s is not Envoy admin output (want an object with \"configs\" or \"cluster_statuses\")", root.Kind())
	}
	return classify(root)
}

func classify(root jsonscan.Value) (Format, error) {
	f := FormatUnknown
	var other string
	_ = root.Fields(func(k []byte, v jsonscan.Value) bool {
		switch {
		case jsonscan.KeyIs(k, "configs"):
			f = FormatConfigDump
		case jsonscan.KeyIs(k, "cluster_statuses"):
			f = FormatClusters
		case jsonscan.KeyIs(k, "resources") || jsonscan.KeyIs(k, "type_url"):
			other = "an xDS DiscoveryResponse (e.g. istiod syncz), not Envoy admin output; use proxy-status --file for it"
		case jsonscan.KeyIs(k, "config") && v.Kind() == jsonscan.Array:
			other = "a CSDS ClientStatusResponse, not Envoy admin output; use proxy-status --file for it"
		case string(k) == "@type":
			other = fmt.Sprintf("a single %s, not a whole /config_dump", v.Str())
		}
		return f == FormatUnknown
	})
	if f != FormatUnknown {
		return f, nil
	}
	if other == "" {
		other = "JSON without \"configs\" or \"cluster_statuses\": not an Envoy /config_dump or /clusters?format=json"
	}
	return FormatUnknown, &InputError{Msg: other}
}

// parseRoot validates the document. For a document cut short it returns the root value (so the
// complete sections can still be read) together with the error.
func parseRoot(data []byte) (jsonscan.Value, error) {
	if len(strings.TrimSpace(string(peek(data, 64)))) == 0 {
		return jsonscan.Value{}, inputErrorf("input is empty")
	}
	if isBinary(data) {
		return jsonscan.Value{}, inputErrorf("input is binary data, not JSON")
	}
	root, err := jsonscan.Parse(data)
	if err == nil {
		return root, nil
	}
	var se *jsonscan.SyntaxError
	if errors.As(err, &se) {
		first := firstNonSpace(data)
		if first != '{' && first != '[' {
			if looksLikeClustersText(data) {
				return jsonscan.Value{}, inputErrorf("input is the text form of /clusters; fetch /clusters?format=json instead")
			}
			return jsonscan.Value{}, inputErrorf("input is not JSON (it starts with %q)", preview(data))
		}
		if se.EOF {
			// keep what is complete: the root object up to where it was cut
			return jsonscan.New(data[indexNonSpace(data):]), &InputError{Msg: fmt.Sprintf("input is truncated: JSON ends early at byte %d of %d", se.Offset, len(data))}
		}
		return jsonscan.Value{}, inputErrorf("input is not valid JSON: %s", se.Error())
	}
	return jsonscan.Value{}, err
}

// Parse reads a /config_dump document. A truncated document yields the sections that are
// complete, with Dump.Partial saying so; a document with no usable section is an error.
func Parse(data []byte) (*Dump, error) {
	root, perr := parseRoot(data)
	if root.Kind() != jsonscan.Object {
		if perr != nil {
			return nil, perr
		}
		return nil, inputErrorf("JSON %s is not an Envoy /config_dump (want an object with \"configs\")", root.Kind())
	}
	if perr == nil {
		f, err := classify(root)
		if err != nil {
			return nil, err
		}
		if f == FormatClusters {
			return nil, inputErrorf("input is /clusters?format=json output, which has endpoints only; use it with proxy-config endpoints")
		}
	}
	d := &Dump{Warnings: NewWarnings()}
	configs := root.Get("configs")
	if perr != nil {
		configs = root.GetUnfinished("configs")
	}
	var serr error
	switch configs.Kind() {
	case jsonscan.Array:
		serr = configs.Items(func(_ int, v jsonscan.Value) bool {
			d.add(v, "")
			return true
		})
	case jsonscan.Object: // 2018: "configs": {"listeners": {...}, ...}
		serr = configs.Fields(func(k []byte, v jsonscan.Value) bool {
			d.add(v, string(k))
			return true
		})
	case jsonscan.Missing:
		if perr != nil {
			return nil, perr
		}
		return nil, inputErrorf("JSON object has no \"configs\": not an Envoy /config_dump")
	default:
		return nil, inputErrorf("\"configs\" is a %s, want an array of sections", configs.Kind())
	}
	if perr != nil || serr != nil {
		msg := "input is truncated"
		if perr != nil {
			msg = perr.Error()
		} else if serr != nil {
			msg = "input is not valid JSON: " + serr.Error()
		}
		if len(d.Sections) == 0 {
			return nil, &InputError{Msg: msg + "; no complete section to show"}
		}
		d.Partial = fmt.Sprintf("%s; showing the %d complete section(s)", msg, len(d.Sections))
	}
	return d, nil
}

func (d *Dump) add(v jsonscan.Value, mapKey string) {
	if v.Kind() != jsonscan.Object {
		return
	}
	t := v.Get("@type").Str()
	kind := SectionUnknown
	if i := strings.LastIndexByte(t, '.'); i >= 0 {
		if k, ok := sectionTypes[t[i+1:]]; ok {
			kind = k
		}
	}
	if kind == SectionUnknown && mapKey != "" {
		if k, ok := mapKeys[mapKey]; ok {
			kind = k
		}
	}
	if kind == SectionUnknown {
		d.Warnings.Add("section:"+t, fmt.Sprintf("config dump section %q is not known to xdsctl; it is kept in -o json/yaml of 'all'", t))
	}
	d.Sections = append(d.Sections, Section{Kind: kind, TypeURL: t, Value: v})
}

// Section returns the last section of a kind (Envoy writes one of each, except ECDS), and whether it exists.
func (d *Dump) Section(k SectionKind) (jsonscan.Value, bool) {
	var v jsonscan.Value
	found := false
	for _, s := range d.Sections {
		if s.Kind == k {
			v, found = s.Value, true
		}
	}
	return v, found
}

// SectionsOf returns every section of a kind, in order.
func (d *Dump) SectionsOf(k SectionKind) []jsonscan.Value {
	var out []jsonscan.Value
	for _, s := range d.Sections {
		if s.Kind == k {
			out = append(out, s.Value)
		}
	}
	return out
}

// Has tells whether the dump has a section of kind k.
func (d *Dump) Has(k SectionKind) bool {
	_, ok := d.Section(k)
	return ok
}

func peek(b []byte, n int) []byte {
	if len(b) < n {
		return b
	}
	return b[:n]
}

func isBinary(b []byte) bool {
	for _, c := range peek(b, 512) {
		if c == 0 || (c < 0x20 && c != '\n' && c != '\r' && c != '\t') {
			return true
		}
	}
	return false
}

func indexNonSpace(b []byte) int {
	for i, c := range b {
		if c != ' ' && c != '\n' && c != '\r' && c != '\t' {
			return i
		}
	}
	return len(b)
}

func firstNonSpace(b []byte) byte {
	if i := indexNonSpace(b); i < len(b) {
		return b[i]
	}
	return 0
}

func preview(b []byte) string {
	s := string(peek(b[indexNonSpace(b):], 20))
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}

func looksLikeClustersText(b []byte) bool {
	s := string(peek(b, 4096))
	return strings.Contains(s, "::default_priority::") || strings.Contains(s, "::observability_name::") || strings.Contains(s, "::cx_active::")
}
