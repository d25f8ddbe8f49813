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

// envoyAdminPackages are the proto packages of Envoy's config dump sections. A section of another
// package with a like-named message (aeraki's aeraki.meta_protocol_proxy.admin.v1alpha.RoutesConfigDump)
// is not Envoy's: it is kept as an unknown section.
var envoyAdminPackages = []string{"envoy.admin.v3", "envoy.admin.v2alpha", "envoy.admin.v4alpha"}

// envoySectionKind returns the kind of the section whose @type is typeURL, when that is one of
// Envoy's section messages by its full name.
func envoySectionKind(typeURL string) (SectionKind, bool) {
	name := typeURL[strings.LastIndexByte(typeURL, '/')+1:]
	i := strings.LastIndexByte(name, '.')
	if i < 0 {
		return SectionUnknown, false
	}
	k, ok := sectionTypes[name[i+1:]]
	if !ok {
		return SectionUnknown, false
	}
	for _, p := range envoyAdminPackages {
		if name[:i] == p {
			return k, true
		}
	}
	return SectionUnknown, false
}

// sectionKind returns the kind of a section from its @type, or from its key in a 2018 dump.
func sectionKind(typeURL, mapKey string) SectionKind {
	if k, ok := envoySectionKind(typeURL); ok {
		return k
	}
	if k, ok := mapKeys[mapKey]; ok && mapKey != "" {
		return k
	}
	return SectionUnknown
}

// Section is one entry of a config dump's configs.
type Section struct {
	Kind    SectionKind
	TypeURL string
	Value   jsonscan.Value
	indexed bool
}

// Dump is a parsed config dump. Its sections are read lazily: a view that asks for the
// listeners never looks at the sections after them, and validates only the ones before.
//
// A Dump is not safe for concurrent use.
type Dump struct {
	// Partial is set when the input was cut short (or stops being JSON) before its end: only the
	// complete sections are kept. A problem found later, in a section read lazily, is added
	// to Warnings instead.
	Partial string
	// Warnings collects what the views met and could not fully show (unknown types and the like).
	Warnings *Warnings
	// Static says what a static config file held when the dump was built from one (ParseStatic),
	// e.g. "an Envoy bootstrap with 2 listeners, 2 clusters, 2 inline route configurations".
	Static string

	// Passed, when set, is called with the bytes of each section read past while looking for a
	// section of another kind. A caller whose input is a mapped file may let those pages go; a
	// view that needs the section later reads its bytes again.
	Passed func(section []byte)

	sections []Section
	r        *jsonscan.Lazy // reads the rest of configs; nil once all of it was read
	mapForm  bool           // configs is an object (2018)
	size     int
	cut      bool // the document does not end like one
}

// InputError is a problem with the input as a whole: the command names the input before it
// ("file \"dump.json\": " + message).
type InputError struct {
	Msg string
	// notConfig marks the messages that only say the input is not what a reader wants, which a
	// reader tried after it may replace with its own.
	notConfig bool
}

func (e *InputError) Error() string { return e.Msg }

func inputErrorf(format string, args ...any) error {
	return &InputError{Msg: fmt.Sprintf(format, args...)}
}

// ErrNoSection is returned (wrapped) when a dump lacks the section a view needs.
var ErrNoSection = errors.New("no such section")

// notAdmin ends the messages for the xDS documents people confuse with a config dump.
const notAdmin = "not Envoy admin output; use proxy-status --file for it"

// Detect tells which admin output data holds, or returns an InputError that says what it is
// instead. It reads only as far as the first telling key, so it costs nothing on big inputs.
func Detect(data []byte) (Format, error) {
	f, _, err := detect(data)
	return f, err
}

// detect classifies data and, for a config dump, returns the reader positioned at the member
// that holds its sections.
func detect(data []byte) (Format, *jsonscan.Lazy, error) {
	if err := precheck(data); err != nil {
		return FormatUnknown, nil, err
	}
	if data[indexNonSpace(data)] == '[' {
		return FormatUnknown, nil, &InputError{Msg: "JSON array is not an Envoy /config_dump (want an object with \"configs\")", notConfig: true}
	}
	r, err := jsonscan.NewLazy(data)
	if err != nil {
		return FormatUnknown, nil, err
	}
	var other string
	for r.Next() {
		k := r.Key()
		switch {
		case jsonscan.KeyIs(k, "configs"):
			return FormatConfigDump, r, nil
		case jsonscan.KeyIs(k, "cluster_statuses"):
			return FormatClusters, r, nil
		case jsonscan.KeyIs(k, "bootstrap") && r.Peek().Kind() == jsonscan.Object:
			// the BootstrapConfigDump on its own, as `proxy-config bootstrap -o json` prints it:
			// ParseLenient reads it
			other = "a single bootstrap section, not a whole /config_dump"
		case jsonscan.KeyIs(k, "resources") || jsonscan.KeyIs(k, "type_url"):
			return FormatUnknown, nil, inputErrorf("an xDS DiscoveryResponse (e.g. istiod syncz), %s", notAdmin)
		case jsonscan.KeyIs(k, "config") && r.Peek().Kind() == jsonscan.Array:
			return FormatUnknown, nil, inputErrorf("a CSDS ClientStatusResponse, %s", notAdmin)
		case string(k) == "@type":
			t := r.Peek().Str()
			other = fmt.Sprintf("a single %s, not a whole /config_dump", t[strings.LastIndexByte(t, '/')+1:])
		}
	}
	if err := r.Err(); err != nil {
		return FormatUnknown, nil, syntaxProblem(len(data), err, "")
	}
	if other != "" {
		return FormatUnknown, nil, &InputError{Msg: other, notConfig: true}
	}
	return FormatUnknown, nil, &InputError{Msg: "JSON without \"configs\" or \"cluster_statuses\": not an Envoy /config_dump or /clusters?format=json", notConfig: true}
}

// precheck rejects what is not JSON at all, from the first bytes.
func precheck(data []byte) error {
	i := indexNonSpace(data)
	switch {
	case i == len(data):
		return inputErrorf("input is empty")
	case isBinary(data):
		return inputErrorf("input is binary data, not JSON")
	case data[i] == '{' || data[i] == '[':
		return nil
	case looksLikeClustersText(data):
		return inputErrorf("input is the text form of /clusters; fetch /clusters?format=json instead")
	}
	return &InputError{Msg: fmt.Sprintf("input is not JSON (it starts with %q)", preview(data)), notConfig: true}
}

// syntaxProblem describes a syntax error met while reading, for a message after the input's name.
func syntaxProblem(size int, err error, what string) error {
	var se *jsonscan.SyntaxError
	if !errors.As(err, &se) {
		return err
	}
	if what != "" {
		what = "; " + what
	}
	if se.EOF {
		return inputErrorf("input is truncated: JSON ends early at byte %d of %d%s", se.Offset, size, what)
	}
	return inputErrorf("input is not valid JSON: %s%s", se.Error(), what)
}

// Parse reads a /config_dump document: it checks what the input is and finds its sections
// without reading them (see Dump). A section saved on its own is an InputError here; ParseLenient
// reads it. A document cut short has its complete sections read at once,
// with Dump.Partial saying what is missing; a document with no usable section is an error.
func Parse(data []byte) (*Dump, error) {
	f, r, err := detect(data)
	if err != nil {
		return nil, err
	}
	if f == FormatClusters {
		return nil, inputErrorf("input is /clusters?format=json output, which has endpoints only; use it with proxy-config endpoints")
	}
	d := &Dump{Warnings: NewWarnings(), size: len(data)}
	v := r.Peek() // "configs"
	switch v.Kind() {
	case jsonscan.Array, jsonscan.Object:
		d.mapForm = v.Kind() == jsonscan.Object
		if d.r, err = r.Enter(); err != nil {
			return nil, err
		}
	default:
		return nil, inputErrorf("\"configs\" is a %s, want an array of sections", v.Kind())
	}
	if !endsLikeDocument(data) {
		// likely cut short: read every section now, so Partial can say what is kept
		d.cut = true
		d.readAll()
		if len(d.sections) == 0 && d.Partial != "" {
			return nil, &InputError{Msg: d.Partial}
		}
	}
	return d, nil
}

// endsLikeDocument tells cheaply whether data ends where a dump ends: with the '}' that closes
// the top-level object, at the start of a line when the document is indented. A dump cut short
// at a line break ends with an indented '}' or with something else.
func endsLikeDocument(data []byte) bool {
	i := len(data) - 1
	for i >= 0 && isSpace(data[i]) {
		i--
	}
	if i < 0 || data[i] != '}' {
		return false
	}
	if i == 0 {
		return true
	}
	// "...\n}" (indented document) or "...]}" (compact); not "...\n  }"
	c := data[i-1]
	return c == '\n' || c == '\r' || !isSpace(c)
}

// readOne reads the next section, indexing it when it is of kind want. It returns false when
// there is none left.
func (d *Dump) readOne(want SectionKind) bool {
	r := d.r
	if r == nil {
		return false
	}
	if !r.Next() {
		d.r = nil
		if err := r.Err(); err != nil {
			d.stopped(err)
		} else if d.cut && d.Partial == "" {
			d.Partial = fmt.Sprintf("input is truncated: JSON ends early at byte %d of %d, after the sections; the %d section(s) are complete", d.size, d.size, len(d.sections))
			d.Warnings.Add("partial", d.Partial)
		}
		return false
	}
	mapKey := ""
	if d.mapForm {
		mapKey = string(r.Key())
	}
	peek := r.Peek()
	if peek.Kind() != jsonscan.Object {
		if _, err := r.Value(false); err != nil {
			d.r = nil
			d.stopped(err)
			return false
		}
		d.Warnings.Add("section:non-object", "a config dump section that is not a JSON object was left out")
		return true
	}
	t := peek.Get("@type").Str()
	kind := sectionKind(t, mapKey)
	v, err := r.Value(kind == want)
	if err != nil {
		d.r = nil
		d.stopped(err)
		return false
	}
	if want != "" && kind != want && d.Passed != nil {
		d.Passed(v.Raw())
	}
	if kind == SectionUnknown {
		d.Warnings.Add("section:"+t, fmt.Sprintf("config dump section %q is not known to xdsctl; it is kept in -o json/yaml of 'all'", t))
	}
	d.sections = append(d.sections, Section{Kind: kind, TypeURL: t, Value: v, indexed: kind == want})
	return true
}

// stopped records why reading sections stopped early.
func (d *Dump) stopped(err error) {
	var se *jsonscan.SyntaxError
	if !errors.As(err, &se) {
		d.Warnings.Add("partial", err.Error())
		return
	}
	what := "no complete section to show"
	if n := len(d.sections); n > 0 {
		what = fmt.Sprintf("showing the %d complete section(s)", n)
	}
	msg := syntaxProblem(d.size, err, what).Error()
	if d.Partial == "" {
		d.Partial = msg
	}
	d.Warnings.Add("partial", msg)
}

// readAll reads every section left.
func (d *Dump) readAll() {
	for d.readOne("") {
	}
}

// AllSections reads every section of the dump and returns them in document order.
func (d *Dump) AllSections() []Section {
	d.readAll()
	for i := range d.sections {
		d.index(i)
	}
	return d.sections
}

// index gives section i an index for deep navigation, once.
func (d *Dump) index(i int) jsonscan.Value {
	s := &d.sections[i]
	if !s.indexed {
		if v, err := jsonscan.Indexed(s.Value); err == nil {
			s.Value = v
		}
		s.indexed = true
	}
	return s.Value
}

// Section returns the first section of a kind (Envoy writes one of each, except ECDS), and
// whether the dump has one. Sections after it are not read.
func (d *Dump) Section(k SectionKind) (jsonscan.Value, bool) {
	for i := range d.sections {
		if d.sections[i].Kind == k {
			return d.index(i), true
		}
	}
	for n := len(d.sections); d.readOne(k); n = len(d.sections) {
		if i := len(d.sections) - 1; i >= n && d.sections[i].Kind == k { // a non-object member adds none
			return d.index(i), true
		}
	}
	return jsonscan.Value{}, false
}

// SectionsOf returns every section of a kind, in order.
func (d *Dump) SectionsOf(k SectionKind) []jsonscan.Value {
	for d.readOne(k) {
	}
	var out []jsonscan.Value
	for i := range d.sections {
		if d.sections[i].Kind == k {
			out = append(out, d.index(i))
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

// isBinary tells whether the first bytes hold bytes no JSON text has (NUL, control characters)
// or are not UTF-8 text.
func isBinary(b []byte) bool {
	for _, c := range peek(b, 512) {
		if c == 0 || (c < 0x20 && c != '\n' && c != '\r' && c != '\t') {
			return true
		}
	}
	return false
}

func isSpace(c byte) bool { return c == ' ' || c == '\n' || c == '\r' || c == '\t' }

func indexNonSpace(b []byte) int {
	for i, c := range b {
		if !isSpace(c) {
			return i
		}
	}
	return len(b)
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
