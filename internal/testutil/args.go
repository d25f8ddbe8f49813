package testutil

import "strings"

// Args splits a command line as a shell does for the tests' simple cases: at spaces, keeping
// 'single-quoted' words whole (an empty pair of quotes is an empty argument); no escapes.
func Args(s string) []string {
	var out []string
	var cur strings.Builder
	quoted, inWord := false, false
	for _, r := range s {
		switch {
		case r == '\'':
			quoted, inWord = !quoted, true
		case r == ' ' && !quoted:
			if inWord {
				out = append(out, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if inWord {
		out = append(out, cur.String())
	}
	return out
}
