package tracker

import (
	"regexp"
	"strconv"
	"strings"
)

// grpcResourceErr finds the per-resource parts of a gRPC-Go NACK message:
// `error parsing "ClusterResource" response: resource "a": <error>;\nresource "b": <error>`.
var grpcResourceErr = regexp.MustCompile(`(?:: |;\n)resource ("(?:[^"\\]|\\.)*"): `)

// Blame tells which of the resources in a rejected response a NACK message is about, and what it
// says about each. A NACK does not name resources in a field, only in its text:
//
//   - gRPC-Go lists `resource "<name>": <error>` parts; each resource gets its own part, the same
//     text gRPC's own CSDS shows for it;
//   - Envoy names the resources (`Error adding/updating cluster(s) backend: ...`); a resource whose
//     name appears in the text as a whole word gets the whole message.
//
// An empty result means the message names none of them: the caller blames them all.
func Blame(msg string, names []string) map[string]string {
	out := map[string]string{}
	known := map[string]bool{}
	for _, n := range names {
		known[n] = true
	}
	if locs := grpcResourceErr.FindAllStringSubmatchIndex(msg, -1); len(locs) > 0 {
		for i, loc := range locs {
			name, err := strconv.Unquote(msg[loc[2]:loc[3]])
			if err != nil || !known[name] {
				continue
			}
			end := len(msg)
			if i+1 < len(locs) {
				end = locs[i+1][0]
			}
			out[name] = msg[loc[1]:end]
		}
		if len(out) > 0 {
			return out
		}
	}
	for _, n := range names {
		if containsWord(msg, n) {
			out[n] = msg
		}
	}
	return out
}

func isNameByte(b byte) bool {
	return b == '_' || b == '-' || b == '.' || b == ':' || b == '/' ||
		b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z'
}

// containsWord tells whether name occurs in s not as part of a longer name.
func containsWord(s, name string) bool {
	if name == "" {
		return false
	}
	for from := 0; ; {
		i := strings.Index(s[from:], name)
		if i < 0 {
			return false
		}
		i += from
		j := i + len(name)
		before := i == 0 || !isNameByte(s[i-1])
		// A trailing '.' or ':' ends a sentence or a label, not the name.
		after := j == len(s) || !isNameByte(s[j]) || (s[j] == '.' || s[j] == ':') && (j+1 == len(s) || !isNameByte(s[j+1]))
		if before && after {
			return true
		}
		from = i + 1
	}
}
