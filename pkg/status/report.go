package status

import (
	"fmt"
	"strings"
)

// Report is what one or more control planes said about their proxies.
type Report struct {
	Proxies []ProxyStatus `json:"proxies"`
	// Warnings are things skipped while decoding (an unknown resource type, a config without a node).
	Warnings []string `json:"-"`

	moreWarnings int // warnings left out after MaxWarnings
}

// MaxWarnings is how many decoding warnings a report keeps; one more line counts the rest.
const MaxWarnings = 20

// Warnf adds a warning, or counts it once MaxWarnings are kept.
func (r *Report) Warnf(format string, args ...any) {
	if len(r.Warnings) < MaxWarnings {
		r.Warnings = append(r.Warnings, fmt.Sprintf(format, args...))
		return
	}
	r.moreWarnings++
}

// Finish sorts the proxies and says how many warnings were left out.
func (r *Report) Finish() {
	if r.moreWarnings > 0 {
		r.Warnings = append(r.Warnings, fmt.Sprintf("%d more warnings like these", r.moreWarnings))
		r.moreWarnings = 0
	}
	Sort(r.Proxies)
}

// NoDetails is the error of a rejection that came without a message.
const NoDetails = "rejected (no details)"

// OneLine collapses a multi-line NACK message so it fits a table cell.
func OneLine(s string) string {
	s = strings.TrimSpace(s)
	if !strings.ContainsAny(s, "\r\n\t") {
		return s
	}
	return strings.Join(strings.Fields(s), " ")
}

// HasType tells whether ts has a type of that short name.
func HasType(ts []TypeStatus, short string) bool {
	for i := range ts {
		if ts[i].Type == short {
			return true
		}
	}
	return false
}
