package analyze

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/xdsctl/xdsctl/pkg/analyze"
	"github.com/xdsctl/xdsctl/pkg/render"
)

// write prints the findings: a table (one PROXY column more with several proxies), or JSON/YAML/jq.
func write(w io.Writer, o *Options, results []proxyResult, multi bool) error {
	if o.Output.IsTable() {
		wide := o.Output.Format == "wide"
		t := &render.Table{Padding: 3, NoHeaders: o.Output.NoHeaders, Headers: []string{"SEVERITY", "CODE", "RESOURCE", "MESSAGE"}}
		if wide {
			t.Headers = append(t.Headers, "HINT")
		}
		if multi {
			t.Headers = append([]string{"PROXY"}, t.Headers...)
		}
		for _, r := range results {
			for _, f := range r.findings {
				row := []string{f.Severity.Title(), f.Code, f.Resource.String(), f.Message}
				if wide {
					row = append(row, render.Dash(f.Hint))
				}
				if multi {
					row = append([]string{r.name}, row...)
				}
				t.Rows = append(t.Rows, row)
			}
		}
		if len(t.Rows) == 0 {
			return nil // the summary on stderr says so
		}
		return t.Write(w)
	}
	var doc []byte
	var err error
	if !multi {
		var fs []analyze.Finding
		if len(results) == 1 {
			fs = results[0].findings
		}
		doc, err = findingsJSON(fs)
	} else {
		var b bytes.Buffer
		b.WriteByte('[')
		n := 0
		for _, r := range results {
			if r.err != nil {
				continue
			}
			if n > 0 {
				b.WriteByte(',')
			}
			n++
			name, _ := json.Marshal(r.name)
			fs, err := findingsJSON(r.findings)
			if err != nil {
				return err
			}
			fmt.Fprintf(&b, `{"proxy":%s,"findings":%s}`, name, fs)
		}
		b.WriteByte(']')
		doc = b.Bytes()
	}
	if err != nil {
		return err
	}
	if doc, err = render.Indent(doc); err != nil {
		return err
	}
	return o.Output.WriteData(w, doc)
}

// Suppression leaves out the findings of a code, for all resources or those matching a glob.
type Suppression struct {
	Code string
	Glob string
	re   *regexp.Regexp
}

// ParseSuppression reads CODE or CODE=GLOB.
func ParseSuppression(s string) (Suppression, error) {
	code, glob, _ := strings.Cut(s, "=")
	code = strings.ToUpper(strings.TrimSpace(code))
	if _, ok := analyze.LookupCode(code); !ok {
		return Suppression{}, fmt.Errorf("no finding has code %q (codes are listed in docs/analyze.md, e.g. XDS0101)", code)
	}
	sp := Suppression{Code: code, Glob: glob}
	if glob != "" {
		// * matches anything, / and | included: cluster names hold both
		sp.re = regexp.MustCompile("^" + strings.ReplaceAll(regexp.QuoteMeta(glob), `\*`, ".*") + "$")
	}
	return sp, nil
}

// Matches tells whether the suppression leaves f out: its code, and the glob (if any) matches
// the resource as Kind/name or its name alone.
func (s *Suppression) Matches(f *analyze.Finding) bool {
	if f.Code != s.Code {
		return false
	}
	if s.re == nil {
		return true
	}
	return s.re.MatchString(f.Resource.Kind+"/"+f.Resource.Name) || s.re.MatchString(f.Resource.Name)
}

// suppress returns the findings no suppression matches, and how many were left out.
func suppress(fs []analyze.Finding, sps []Suppression) ([]analyze.Finding, int) {
	if len(sps) == 0 {
		return fs, 0
	}
	out := fs[:0:0]
	for i := range fs {
		keep := true
		for j := range sps {
			if sps[j].Matches(&fs[i]) {
				keep = false
				break
			}
		}
		if keep {
			out = append(out, fs[i])
		}
	}
	return out, len(fs) - len(out)
}

// parseDays reads a duration as Go does (36h, 90m), or a number of days (7d).
func parseDays(s string) (time.Duration, error) {
	var d time.Duration
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.ParseFloat(n, 64)
		if err != nil {
			return 0, fmt.Errorf("want a duration such as 7d or 36h")
		}
		d = time.Duration(days * float64(24*time.Hour))
	} else {
		var err error
		if d, err = time.ParseDuration(s); err != nil {
			return 0, fmt.Errorf("want a duration such as 7d or 36h")
		}
	}
	if d < 0 {
		return 0, fmt.Errorf("want a duration of 0 or more")
	}
	return d, nil
}
