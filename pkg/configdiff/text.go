package configdiff

import (
	"fmt"
	"io"
	"strings"
)

// ANSI colours for diff lines on a terminal.
const (
	red   = "\x1b[31m"
	green = "\x1b[32m"
	cyan  = "\x1b[36m"
	bold  = "\x1b[1m"
	reset = "\x1b[0m"
)

// WriteText prints the result as istioctl does — "Clusters Match" or "Clusters Don't Match" followed
// by a unified diff — with counts of what differs. color adds ANSI colours to diff lines.
func (r *Result) WriteText(w io.Writer, color bool) error {
	var b strings.Builder
	for _, k := range r.Kinds {
		switch {
		case !k.Compared:
			fmt.Fprintf(&b, "%s not compared: %s\n", k.Kind, k.NotCompared)
		case k.Match:
			fmt.Fprintf(&b, "%s Match (%d %s)\n", k.Kind, k.ControlPlane, plural(k.ControlPlane, singular(k.Kind)))
		default:
			fmt.Fprintf(&b, "%s Don't Match (%s)\n", k.Kind, k.summary())
			writeDiff(&b, k.Diff, color)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// summary counts what differs: "1 differs, 1 only on the control plane, 2 only on the proxy".
func (k *KindResult) summary() string {
	var parts []string
	if n := len(k.Differ); n > 0 {
		verb := "differs"
		if n > 1 {
			verb = "differ"
		}
		parts = append(parts, fmt.Sprintf("%d %s", n, verb))
	}
	if n := len(k.OnlyControlPlane); n > 0 {
		parts = append(parts, fmt.Sprintf("%d only on the control plane", n))
	}
	if n := len(k.OnlyProxy); n > 0 {
		parts = append(parts, fmt.Sprintf("%d only on the proxy", n))
	}
	return strings.Join(parts, ", ")
}

func writeDiff(b *strings.Builder, diff string, color bool) {
	if !color {
		b.WriteString(diff)
		return
	}
	for _, l := range strings.SplitAfter(diff, "\n") {
		if l == "" {
			continue
		}
		c := ""
		switch {
		case strings.HasPrefix(l, "---"), strings.HasPrefix(l, "+++"):
			c = bold
		case strings.HasPrefix(l, "@@"):
			c = cyan
		case l[0] == '-':
			c = red
		case l[0] == '+':
			c = green
		}
		if c == "" {
			b.WriteString(l)
			continue
		}
		b.WriteString(c + strings.TrimSuffix(l, "\n") + reset + "\n")
	}
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}
