package stats

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
)

// parsePrometheus reads the Prometheus text exposition format Envoy writes at /stats/prometheus:
// "# TYPE name type" lines, then samples "name{label="value",…} value". A histogram's _bucket,
// _sum and _count samples (a summary's quantile samples) become one Stat per label set.
func parsePrometheus(data []byte) (*Set, error) {
	s := &Set{}
	var w warner
	types := map[string]Type{}
	groups := map[string]int{} // base name + labels without le/quantile → index in s.Stats
	bad := 0
	lines(data, func(n int, line []byte) {
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			return
		}
		if line[0] == '#' {
			f := strings.Fields(string(line))
			if len(f) >= 4 && f[1] == "TYPE" {
				types[f[2]] = Type(f[3])
			}
			return
		}
		name, labels, value, err := promSample(line)
		if err != nil {
			bad++
			w.add("line", fmt.Sprintf("line %d is no Prometheus sample (%s); left out", n, err))
			return
		}
		base, part := name, ""
		for _, suf := range []string{"_bucket", "_sum", "_count"} {
			if b, ok := strings.CutSuffix(name, suf); ok {
				if t := types[b]; t == TypeHistogram || t == TypeSummary {
					base, part = b, suf
				}
			}
		}
		if part == "" && types[name] == TypeSummary {
			part = "quantile"
		}
		t := types[base]
		if t == "" {
			t = TypeUntyped
		}
		if part == "" {
			s.Stats = append(s.Stats, Stat{Name: name, Labels: labels, Type: t, Value: value})
			return
		}
		var le, q string
		rest := labels[:0:0]
		for _, l := range labels {
			switch {
			case l.Name == "le" && part == "_bucket":
				le = l.Value
			case l.Name == "quantile" && part == "quantile":
				q = l.Value
			default:
				rest = append(rest, l)
			}
		}
		key := (&Stat{Name: base, Labels: rest}).FullName()
		i, ok := groups[key]
		if !ok {
			i = len(s.Stats)
			groups[key] = i
			s.Stats = append(s.Stats, Stat{Name: base, Labels: rest, Type: t, Value: nan(), Histogram: &Histogram{}})
		}
		h := s.Stats[i].Histogram
		switch part {
		case "_bucket":
			b, err := strconv.ParseFloat(le, 64)
			if le == "+Inf" {
				b, err = math.Inf(1), nil
			}
			if err == nil {
				h.Buckets = append(h.Buckets, Bucket{LE: b, Count: value})
			}
		case "_sum":
			h.Sum = fptr(value)
		case "_count":
			h.Count = fptr(value)
		case "quantile":
			if qf, err := strconv.ParseFloat(q, 64); err == nil {
				v := value
				h.Quantiles = append(h.Quantiles, Quantile{Q: qf * 100, Cumulative: &v})
			}
		}
	})
	if len(s.Stats) == 0 {
		return nil, notStats(data)
	}
	if bad > 1 {
		w.add("count", fmt.Sprintf("%d lines in all are no Prometheus sample", bad))
	}
	s.Warnings = w.list
	return s, nil
}

// promSample reads `name{a="b",…} value [timestamp]`.
func promSample(line []byte) (string, []Label, float64, error) {
	i := 0
	for i < len(line) && line[i] != '{' && line[i] != ' ' && line[i] != '\t' {
		i++
	}
	if i == 0 {
		return "", nil, 0, fmt.Errorf("no metric name")
	}
	name := string(line[:i])
	var labels []Label
	if i < len(line) && line[i] == '{' {
		i++
		for {
			for i < len(line) && (line[i] == ' ' || line[i] == ',') {
				i++
			}
			if i < len(line) && line[i] == '}' {
				i++
				break
			}
			eq := bytes.IndexByte(line[i:], '=')
			if eq <= 0 || i+eq+1 >= len(line) || line[i+eq+1] != '"' {
				return "", nil, 0, fmt.Errorf("bad label")
			}
			ln := strings.TrimSpace(string(line[i : i+eq]))
			i += eq + 2
			var sb strings.Builder
			closed := false
			for i < len(line) {
				c := line[i]
				if c == '\\' && i+1 < len(line) {
					switch line[i+1] {
					case 'n':
						sb.WriteByte('\n')
					default:
						sb.WriteByte(line[i+1])
					}
					i += 2
					continue
				}
				i++
				if c == '"' {
					closed = true
					break
				}
				sb.WriteByte(c)
			}
			if !closed {
				return "", nil, 0, fmt.Errorf("unterminated label value")
			}
			labels = append(labels, Label{Name: ln, Value: sb.String()})
		}
	}
	f := strings.Fields(string(line[i:]))
	if len(f) == 0 {
		return "", nil, 0, fmt.Errorf("no value")
	}
	v, err := strconv.ParseFloat(f[0], 64)
	if err != nil {
		return "", nil, 0, fmt.Errorf("value %q is no number", f[0])
	}
	return name, labels, v, nil
}

// WritePrometheus writes stats in the Prometheus text exposition format. Stats read from the
// Prometheus form come out as they were read; those of the text and JSON forms keep Envoy's name,
// made a metric name (envoy_ prefix, characters outside [a-zA-Z0-9_:] as _), untyped (those forms
// do not tell counters from gauges) and without the tags Envoy would extract; their histograms
// become summaries of the cumulative quantiles. Text readouts have no Prometheus form: left out.
func WritePrometheus(w io.Writer, stats []Stat) error {
	var buf bytes.Buffer
	typed := map[string]bool{}
	for i := range stats {
		st := &stats[i]
		name := st.Name
		if st.Type == TypeNumber || (st.Type == TypeHistogram && st.Histogram != nil && len(st.Histogram.Buckets) == 0 && st.Histogram.Sum == nil) || st.Type == TypeText {
			name = metricName(st.Name)
		}
		if st.Type == TypeText {
			continue
		}
		t := st.Type
		if t == TypeNumber {
			t = TypeUntyped
		}
		if t == TypeHistogram && st.Histogram != nil && len(st.Histogram.Buckets) == 0 && st.Histogram.Sum == nil {
			t = TypeSummary
		}
		if !typed[name] {
			typed[name] = true
			fmt.Fprintf(&buf, "# TYPE %s %s\n", name, t)
		}
		h := st.Histogram
		switch {
		case h == nil:
			fmt.Fprintf(&buf, "%s %s\n", promSeries(name, st.Labels, "", ""), promFloat(st.Value))
		case t == TypeSummary:
			for _, q := range h.Quantiles {
				if q.Cumulative != nil {
					fmt.Fprintf(&buf, "%s %s\n", promSeries(name, st.Labels, "quantile", promFloat(q.Q/100)), promFloat(*q.Cumulative))
				}
			}
			writeSumCount(&buf, name, st.Labels, h)
		default:
			bs := append([]Bucket(nil), h.Buckets...)
			sort.SliceStable(bs, func(i, j int) bool { return bs[i].LE < bs[j].LE })
			for _, b := range bs {
				fmt.Fprintf(&buf, "%s %s\n", promSeries(name+"_bucket", st.Labels, "le", promFloat(b.LE)), promFloat(b.Count))
			}
			writeSumCount(&buf, name, st.Labels, h)
		}
	}
	_, err := w.Write(buf.Bytes())
	return err
}

func writeSumCount(buf *bytes.Buffer, name string, labels []Label, h *Histogram) {
	if h.Sum != nil {
		fmt.Fprintf(buf, "%s %s\n", promSeries(name+"_sum", labels, "", ""), promFloat(*h.Sum))
	}
	if h.Count != nil {
		fmt.Fprintf(buf, "%s %s\n", promSeries(name+"_count", labels, "", ""), promFloat(*h.Count))
	}
}

func promSeries(name string, labels []Label, extra, extraVal string) string {
	if len(labels) == 0 && extra == "" {
		return name
	}
	var sb strings.Builder
	sb.WriteString(name + "{")
	for i, l := range labels {
		if i > 0 {
			sb.WriteByte(',')
		}
		sb.WriteString(l.Name + `="` + escapeLabel(l.Value) + `"`)
	}
	if extra != "" {
		if len(labels) > 0 {
			sb.WriteByte(',')
		}
		sb.WriteString(extra + `="` + extraVal + `"`)
	}
	sb.WriteByte('}')
	return sb.String()
}

func escapeLabel(v string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(v)
}

func promFloat(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "+Inf"
	case math.IsInf(f, -1):
		return "-Inf"
	case math.IsNaN(f):
		return "NaN"
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// metricName makes an Envoy stat name a Prometheus metric name, as Envoy does for names it
// extracts no tag from: envoy_ and the name with every character outside [a-zA-Z0-9_:] as _.
func metricName(n string) string {
	b := []byte("envoy_" + n)
	for i, c := range b {
		if !(c == '_' || c == ':' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
			b[i] = '_'
		}
	}
	return string(b)
}
