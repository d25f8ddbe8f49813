package stats

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Detect tells which form of Envoy's statistics data holds, from its first lines.
func Detect(data []byte) (Format, error) {
	i := 0
	for i < len(data) && isSpace(data[i]) {
		i++
	}
	if i == len(data) {
		return "", inputErrorf("input is empty")
	}
	head := data[i:min(len(data), i+512)]
	if binary(head) {
		return "", inputErrorf("input is binary data, not Envoy statistics")
	}
	switch data[i] {
	case '{':
		if bytes.Contains(data[:min(len(data), i+4096)], []byte(`"configs"`)) {
			return "", inputErrorf("input is a /config_dump, not Envoy statistics; use it with the other proxy-config views")
		}
		return FormatJSON, nil
	case '[':
		return "", inputErrorf("input is a JSON array, not Envoy statistics (want /stats, /stats?format=json or /stats/prometheus)")
	case '<':
		return "", inputErrorf("input is HTML or XML (it starts with %q), not Envoy statistics", preview(data[i:]))
	case '#':
		return FormatPrometheus, nil
	}
	line := head
	if j := bytes.IndexByte(line, '\n'); j >= 0 {
		line = line[:j]
	}
	if j := bytes.IndexAny(line, ":{ "); j > 0 && line[j] == ':' {
		return FormatText, nil
	}
	if j := bytes.IndexAny(line, "{ "); j > 0 {
		return FormatPrometheus, nil
	}
	return "", notStats(data)
}

// notStats is the error for an input in which no line is a statistic.
func notStats(data []byte) error {
	i := 0
	for i < len(data) && isSpace(data[i]) {
		i++
	}
	return inputErrorf("input is not Envoy statistics (it starts with %q; want /stats, /stats?format=json or /stats/prometheus)", preview(data[i:]))
}

// binary tells whether b holds bytes no text has (NUL and other control characters).
func binary(b []byte) bool {
	for _, c := range b {
		if c == 0 || (c < 0x20 && c != '\n' && c != '\r' && c != '\t') {
			return true
		}
	}
	return false
}

func isSpace(c byte) bool { return c == ' ' || c == '\n' || c == '\r' || c == '\t' }

func preview(b []byte) string {
	s := string(b[:min(len(b), 20)])
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}

// lines calls fn for each line of data, with its 1-based number, without the line break.
func lines(data []byte, fn func(n int, line []byte)) {
	n := 0
	for len(data) > 0 {
		n++
		i := bytes.IndexByte(data, '\n')
		var line []byte
		if i < 0 {
			line, data = data, nil
		} else {
			line, data = data[:i], data[i+1:]
		}
		fn(n, bytes.TrimRight(line, "\r"))
	}
}

// warner collects warnings, one per kind, with the first line it was met on.
type warner struct {
	seen map[string]bool
	list []string
}

func (w *warner) add(kind, msg string) {
	if w.seen == nil {
		w.seen = map[string]bool{}
	}
	if !w.seen[kind] {
		w.seen[kind] = true
		w.list = append(w.list, msg)
	}
}

// parseText reads /stats: "name: value" lines, value a number, a quoted text readout, or a
// histogram's quantiles "P0(interval,cumulative) P25(…) …" or "No recorded values".
func parseText(data []byte) (*Set, error) {
	s := &Set{Stats: make([]Stat, 0, bytes.Count(data, []byte{'\n'})+1)}
	var w warner
	bad := 0
	lines(data, func(n int, line []byte) {
		if len(bytes.TrimSpace(line)) == 0 {
			return
		}
		i := bytes.Index(line, []byte(": "))
		if i <= 0 || !statName(line[:i]) {
			bad++
			w.add("line", fmt.Sprintf("line %d is no statistic (%q); left out", n, preview(line)))
			return
		}
		name, val := string(line[:i]), bytes.TrimSpace(line[i+2:])
		st := Stat{Name: name, Value: nan()}
		switch {
		case len(val) > 0 && val[0] == '"':
			st.Type = TypeText
			if t, err := strconv.Unquote(string(val)); err == nil {
				st.Text = t
			} else {
				st.Text = strings.Trim(string(val), `"`)
			}
		case bytes.HasPrefix(val, []byte("P0(")) || bytes.Equal(val, []byte("No recorded values")):
			st.Type = TypeHistogram
			st.Histogram = parseTextQuantiles(val)
		default:
			f, err := strconv.ParseFloat(string(val), 64)
			if err != nil {
				bad++
				w.add("value", fmt.Sprintf("line %d: %s has no number (%q); left out", n, name, preview(val)))
				return
			}
			st.Type, st.Value = TypeNumber, f
		}
		s.Stats = append(s.Stats, st)
	})
	if len(s.Stats) == 0 || bad > len(s.Stats) { // mostly something else (a YAML file, a log)
		return nil, notStats(data)
	}
	if bad > 1 {
		w.add("count", fmt.Sprintf("%d lines in all are no statistic", bad))
	}
	s.Warnings = w.list
	return s, nil
}

// statName tells whether b can be an Envoy stat name: no white space, quotes or braces, and not
// the start of a YAML list item or comment.
func statName(b []byte) bool {
	if len(b) == 0 || b[0] == '-' || b[0] == '#' {
		return false
	}
	return bytes.IndexAny(b, " \t\"{}") < 0
}

// parseTextQuantiles reads "P0(nan,0) P25(1.05,2) …".
func parseTextQuantiles(val []byte) *Histogram {
	h := &Histogram{}
	for _, f := range bytes.Fields(val) {
		if len(f) < 4 || f[0] != 'P' || f[len(f)-1] != ')' {
			continue
		}
		open := bytes.IndexByte(f, '(')
		if open < 0 {
			continue
		}
		q, err := strconv.ParseFloat(string(f[1:open]), 64)
		if err != nil {
			continue
		}
		iv, cu, ok := bytes.Cut(f[open+1:len(f)-1], []byte{','})
		if !ok {
			continue
		}
		h.Quantiles = append(h.Quantiles, Quantile{Q: q, Interval: number(iv), Cumulative: number(cu)})
	}
	return h
}

func number(b []byte) *float64 {
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil || math.IsNaN(f) {
		return nil
	}
	return &f
}

// jsonStats is /stats?format=json.
type jsonStats struct {
	Stats []struct {
		Name       *string         `json:"name"`
		Value      json.RawMessage `json:"value"`
		Histograms *struct {
			SupportedQuantiles []float64 `json:"supported_quantiles"`
			ComputedQuantiles  []struct {
				Name   string `json:"name"`
				Values []struct {
					Interval   *float64 `json:"interval"`
					Cumulative *float64 `json:"cumulative"`
				} `json:"values"`
			} `json:"computed_quantiles"`
		} `json:"histograms"`
	} `json:"stats"`
}

// defaultQuantiles are the quantiles Envoy computes, in percent, for a document that does not say.
var defaultQuantiles = []float64{0, 25, 50, 75, 90, 95, 99, 99.5, 99.9, 100}

func parseJSON(data []byte) (*Set, error) {
	var doc jsonStats
	if err := json.Unmarshal(data, &doc); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se) && se.Offset >= int64(len(bytes.TrimRight(data, " \n\r\t"))):
			return nil, inputErrorf("input is truncated: JSON ends early at byte %d", len(data))
		case errors.As(err, &se):
			return nil, inputErrorf("input is not valid JSON: %s at byte %d", se.Error(), se.Offset)
		case errors.As(err, &te):
			return nil, inputErrorf("input is JSON but not /stats?format=json: %s is a JSON %s", te.Field, te.Value)
		}
		return nil, inputErrorf("input is not valid JSON: %v", err)
	}
	if doc.Stats == nil {
		return nil, inputErrorf("input is JSON without \"stats\": not /stats?format=json output")
	}
	s := &Set{Stats: make([]Stat, 0, len(doc.Stats))}
	var w warner
	for i, e := range doc.Stats {
		switch {
		case e.Name != nil:
			st := Stat{Name: *e.Name, Value: nan()}
			v := bytes.TrimSpace(e.Value)
			switch {
			case len(v) > 0 && v[0] == '"':
				st.Type = TypeText
				_ = json.Unmarshal(v, &st.Text)
			default:
				f, err := strconv.ParseFloat(string(v), 64)
				if err != nil {
					w.add("value", fmt.Sprintf("stat %d (%s) has no number (%q); left out", i, st.Name, preview(v)))
					continue
				}
				st.Type, st.Value = TypeNumber, f
			}
			s.Stats = append(s.Stats, st)
		case e.Histograms != nil:
			qs := e.Histograms.SupportedQuantiles
			if len(qs) == 0 {
				qs = defaultQuantiles
			}
			for _, cq := range e.Histograms.ComputedQuantiles {
				h := &Histogram{}
				for j, v := range cq.Values {
					if j >= len(qs) {
						break // a value for no supported quantile
					}
					q := qs[j]
					h.Quantiles = append(h.Quantiles, Quantile{Q: q, Interval: v.Interval, Cumulative: v.Cumulative})
				}
				s.Stats = append(s.Stats, Stat{Name: cq.Name, Type: TypeHistogram, Value: nan(), Histogram: h})
			}
		default:
			w.add("entry", fmt.Sprintf("stat %d has neither a name nor histograms; left out", i))
		}
	}
	s.Warnings = w.list
	return s, nil
}
