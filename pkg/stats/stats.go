// Package stats reads an Envoy proxy's statistics as its admin API writes them — /stats (text),
// /stats?format=json and /stats/prometheus — into one typed list, with lookups by name and the
// per-cluster, per-listener, per-connection-manager and per-xDS-type helpers that diagnosis needs.
package stats

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// Format is which admin output a document is.
type Format string

// The forms of Envoy's statistics.
const (
	FormatText       Format = "text"       // /stats
	FormatJSON       Format = "json"       // /stats?format=json
	FormatPrometheus Format = "prometheus" // /stats/prometheus
)

// Type is what a statistic counts. The text and JSON forms do not say whether a number is a
// counter or a gauge; their numbers are TypeNumber.
type Type string

// The types of statistics.
const (
	TypeCounter   Type = "counter"
	TypeGauge     Type = "gauge"
	TypeNumber    Type = "number" // a counter or a gauge (text and JSON forms)
	TypeUntyped   Type = "untyped"
	TypeText      Type = "text" // a text readout, e.g. cluster_manager.cds.version_text
	TypeHistogram Type = "histogram"
	TypeSummary   Type = "summary"
)

// Label is one Prometheus label (a tag Envoy extracted from the name).
type Label struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Quantile is one computed quantile of a histogram (text and JSON forms): Q in percent (50, 99.9)
// and its value over the last interval and since start; nil when nothing was recorded.
type Quantile struct {
	Q          float64  `json:"q"`
	Interval   *float64 `json:"interval"`
	Cumulative *float64 `json:"cumulative"`
}

// Bucket is one cumulative bucket of a Prometheus histogram.
type Bucket struct {
	LE    float64 `json:"le"`
	Count float64 `json:"count"`
}

// Histogram is a histogram's distribution: quantiles (text, JSON) or buckets, sum and count
// (Prometheus).
type Histogram struct {
	Quantiles []Quantile `json:"quantiles,omitempty"`
	Buckets   []Bucket   `json:"buckets,omitempty"`
	Sum       *float64   `json:"sum,omitempty"`
	Count     *float64   `json:"count,omitempty"`
}

// Stat is one statistic.
type Stat struct {
	// Name is Envoy's name (cluster.xds-grpc.upstream_cx_total) in the text and JSON forms, the
	// metric name (envoy_cluster_upstream_cx_total) in the Prometheus form.
	Name   string  `json:"name"`
	Labels []Label `json:"labels,omitempty"`
	Type   Type    `json:"type"`
	// Value is a counter's or gauge's value (NaN for a histogram or text readout).
	Value     float64    `json:"-"`
	Text      string     `json:"text,omitempty"`
	Histogram *Histogram `json:"histogram,omitempty"`
}

// MarshalJSON writes the stat with its value only when it has a number.
func (s Stat) MarshalJSON() ([]byte, error) {
	type plain Stat // without this method
	v := struct {
		plain
		Value *float64 `json:"value,omitempty"`
	}{plain: plain(s)}
	if s.IsNumber() && !math.IsNaN(s.Value) && !math.IsInf(s.Value, 0) {
		v.Value = &s.Value
	}
	return json.Marshal(v)
}

// Label returns the value of the label name, and whether the stat has it.
func (s *Stat) Label(name string) (string, bool) {
	for _, l := range s.Labels {
		if l.Name == name {
			return l.Value, true
		}
	}
	return "", false
}

// FullName is the name with its labels, as Prometheus writes a series: name{a="b",c="d"}.
func (s *Stat) FullName() string {
	if len(s.Labels) == 0 {
		return s.Name
	}
	var sb strings.Builder
	sb.WriteString(s.Name)
	sb.WriteByte('{')
	for i, l := range s.Labels {
		if i > 0 {
			sb.WriteByte(',')
		}
		sb.WriteString(l.Name + "=" + strconv.Quote(l.Value))
	}
	sb.WriteByte('}')
	return sb.String()
}

// IsNumber tells whether the stat has a numeric value (a counter, gauge or untyped sample).
func (s *Stat) IsNumber() bool {
	return s.Type == TypeCounter || s.Type == TypeGauge || s.Type == TypeNumber || s.Type == TypeUntyped
}

// Set is a proxy's statistics, in the order of the input.
type Set struct {
	Format Format
	Stats  []Stat
	// Warnings says what was left out (lines that are no statistic), once per kind.
	Warnings []string

	byName map[string]int // Name (text, JSON) or FullName (Prometheus) → index of the first
}

// InputError is a problem with the input as a whole; the command names the input before it.
type InputError struct{ Msg string }

func (e *InputError) Error() string { return e.Msg }

func inputErrorf(format string, args ...any) error {
	return &InputError{Msg: fmt.Sprintf(format, args...)}
}

// ErrNoStat is returned (wrapped) by lookups of a stat the set does not have.
var ErrNoStat = errors.New("no such statistic")

// Parse reads /stats, /stats?format=json or /stats/prometheus output, telling them apart from
// the content. Lines that are no statistic are left out with a warning; an input with no
// statistic at all is an InputError.
func Parse(data []byte) (*Set, error) {
	f, err := Detect(data)
	if err != nil {
		return nil, err
	}
	var s *Set
	switch f {
	case FormatJSON:
		s, err = parseJSON(data)
	case FormatPrometheus:
		s, err = parsePrometheus(data)
	default:
		s, err = parseText(data)
	}
	if err != nil {
		return nil, err
	}
	s.Format = f
	s.index()
	return s, nil
}

func (s *Set) index() {
	s.byName = make(map[string]int, len(s.Stats))
	for i := range s.Stats {
		k := s.Stats[i].FullName()
		if _, ok := s.byName[k]; !ok {
			s.byName[k] = i
		}
	}
}

// Get returns the stat with this name (text, JSON) or full name (Prometheus: name{labels}, labels
// in the input's order).
func (s *Set) Get(name string) (*Stat, bool) {
	i, ok := s.byName[name]
	if !ok {
		return nil, false
	}
	return &s.Stats[i], true
}

// Value returns the numeric value of the stat name, or ErrNoStat.
func (s *Set) Value(name string) (float64, error) {
	st, ok := s.Get(name)
	if !ok || !st.IsNumber() {
		return 0, fmt.Errorf("%w: %s", ErrNoStat, name)
	}
	return st.Value, nil
}

// Scope is the part of a proxy a stat belongs to, for --type.
type Scope string

// The scopes of statistics.
const (
	ScopeServer    Scope = "server"    // proxy-wide: server.*, cluster_manager.*, listener_manager.*, http.*, …
	ScopeClusters  Scope = "clusters"  // one upstream cluster's: cluster.<name>.*
	ScopeListeners Scope = "listeners" // one listener's: listener.<address>.*
)

// ScopeOf tells whose a stat is: a cluster's, a listener's, or the server's (everything else).
func ScopeOf(st *Stat) Scope {
	n := st.Name
	switch {
	case strings.HasPrefix(n, "cluster.") || (strings.HasPrefix(n, "envoy_cluster_") && !strings.HasPrefix(n, "envoy_cluster_manager_")):
		return ScopeClusters
	case strings.HasPrefix(n, "listener.") || (strings.HasPrefix(n, "envoy_listener_") && !strings.HasPrefix(n, "envoy_listener_manager_")):
		return ScopeListeners
	}
	return ScopeServer
}

// Sorted returns the stats sorted by full name (Envoy's text and JSON forms are sorted already).
func (s *Set) Sorted() []Stat {
	out := append([]Stat(nil), s.Stats...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].FullName() < out[j].FullName() })
	return out
}

func nan() float64 { return math.NaN() }

func fptr(f float64) *float64 { return &f }

// MarshalJSON writes le as Prometheus does ("+Inf" for the last bucket): JSON has no infinity.
func (b Bucket) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		LE    string  `json:"le"`
		Count float64 `json:"count"`
	}{promFloat(b.LE), b.Count})
}
