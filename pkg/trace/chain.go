package trace

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// facts are what the listener knows of a connection when it picks a filter chain.
type facts struct {
	destIP     netip.Addr
	destPort   uint32
	srcIP      netip.Addr
	srcPort    uint32
	sni        string
	transport  string // "tls" or "raw_buffer"
	alpn       []string
	sourceKnow bool
}

func (f *facts) local() bool {
	return f.srcIP.IsValid() && (f.srcIP.IsLoopback() || f.srcIP == f.destIP)
}

// criterion is one of the nine steps of Envoy's filter chain match. spec returns how
// specifically a chain matches: -1 not at all, 0 as a catch-all (the field is empty), higher
// values for more specific matches; describe says what the chain asks for.
type criterion struct {
	name     string
	value    func(*facts) string
	spec     func(*FilterChainMatch, *facts) int
	describe func(*FilterChainMatch) string
}

func prefixSpec(ranges []CidrRange, ip netip.Addr) int {
	if len(ranges) == 0 {
		return 0
	}
	best := -1
	for _, r := range ranges {
		p, ok := r.prefix()
		if ok && ip.IsValid() && p.Contains(ip.Unmap()) && p.Bits()+1 > best {
			best = p.Bits() + 1
		}
	}
	return best
}

func rangesString(rs []CidrRange) string {
	s := make([]string, len(rs))
	for i, r := range rs {
		s[i] = r.String()
	}
	return strings.Join(s, ",")
}

// criteria are Envoy's filter chain match steps in its documented order
// (config.listener.v3.FilterChainMatch): destination port, destination IP, server name,
// transport protocol, application protocols, direct source IP, source type, source IP, source
// port. At each step only the chains that match most specifically go on.
var criteria = []criterion{
	{"destination port", func(f *facts) string { return strconv.Itoa(int(f.destPort)) },
		func(m *FilterChainMatch, f *facts) int {
			switch {
			case m.DestinationPort == nil || *m.DestinationPort == 0:
				return 0
			case *m.DestinationPort == f.destPort:
				return 1
			}
			return -1
		},
		func(m *FilterChainMatch) string {
			if m.DestinationPort == nil || *m.DestinationPort == 0 {
				return ""
			}
			return strconv.Itoa(int(*m.DestinationPort))
		}},
	{"destination IP", func(f *facts) string { return f.destIP.String() },
		func(m *FilterChainMatch, f *facts) int { return prefixSpec(m.PrefixRanges, f.destIP) },
		func(m *FilterChainMatch) string { return rangesString(m.PrefixRanges) }},
	{"server name", func(f *facts) string {
		if f.sni == "" {
			return "(no SNI)"
		}
		return f.sni
	},
		func(m *FilterChainMatch, f *facts) int {
			if len(m.ServerNames) == 0 {
				return 0
			}
			sni := strings.ToLower(f.sni)
			best := -1
			for _, n := range m.ServerNames {
				n = strings.ToLower(n)
				switch {
				case sni == "":
				case n == sni:
					return 1 << 20
				case strings.HasPrefix(n, "*.") && strings.HasSuffix(sni, n[1:]) && len(sni) > len(n)-1:
					if len(n) > best {
						best = len(n)
					}
				}
			}
			return best
		},
		func(m *FilterChainMatch) string { return strings.Join(m.ServerNames, ",") }},
	{"transport protocol", func(f *facts) string { return f.transport },
		func(m *FilterChainMatch, f *facts) int {
			switch m.TransportProtocol {
			case "":
				return 0
			case f.transport:
				return 1
			}
			return -1
		},
		func(m *FilterChainMatch) string { return m.TransportProtocol }},
	{"application protocols", func(f *facts) string {
		if len(f.alpn) == 0 {
			return "(none)"
		}
		return strings.Join(f.alpn, ",")
	},
		func(m *FilterChainMatch, f *facts) int {
			if len(m.ApplicationProtocols) == 0 {
				return 0
			}
			for _, p := range m.ApplicationProtocols {
				for _, a := range f.alpn {
					if p == a {
						return 1
					}
				}
			}
			return -1
		},
		func(m *FilterChainMatch) string { return strings.Join(m.ApplicationProtocols, ",") }},
	{"direct source IP", func(f *facts) string { return srcString(f) },
		func(m *FilterChainMatch, f *facts) int { return prefixSpec(m.DirectSourcePrefixRanges, f.srcIP) },
		func(m *FilterChainMatch) string { return rangesString(m.DirectSourcePrefixRanges) }},
	{"source type", func(f *facts) string {
		if f.local() {
			return "local"
		}
		return "external"
	},
		func(m *FilterChainMatch, f *facts) int {
			switch m.SourceType {
			case "", "ANY", "0":
				return 0
			case "SAME_IP_OR_LOOPBACK", "1":
				if f.local() {
					return 1
				}
			case "EXTERNAL", "2":
				if !f.local() {
					return 1
				}
			}
			return -1
		},
		func(m *FilterChainMatch) string {
			if m.SourceType == "ANY" || m.SourceType == "0" {
				return ""
			}
			return string(m.SourceType)
		}},
	{"source IP", func(f *facts) string { return srcString(f) },
		func(m *FilterChainMatch, f *facts) int { return prefixSpec(m.SourcePrefixRanges, f.srcIP) },
		func(m *FilterChainMatch) string { return rangesString(m.SourcePrefixRanges) }},
	{"source port", func(f *facts) string {
		if f.srcPort == 0 {
			return "(unknown: pass --source IP:PORT)"
		}
		return strconv.Itoa(int(f.srcPort))
	},
		func(m *FilterChainMatch, f *facts) int {
			if len(m.SourcePorts) == 0 {
				return 0
			}
			for _, p := range m.SourcePorts {
				if p == f.srcPort {
					return 1
				}
			}
			return -1
		},
		func(m *FilterChainMatch) string {
			s := make([]string, len(m.SourcePorts))
			for i, p := range m.SourcePorts {
				s[i] = strconv.Itoa(int(p))
			}
			return strings.Join(s, ",")
		}},
}

func srcString(f *facts) string {
	if !f.srcIP.IsValid() {
		return "(unknown: pass --source)"
	}
	return f.srcIP.String()
}

var emptyMatch = &FilterChainMatch{}

func matchOf(c *FilterChain) *FilterChainMatch {
	if c.FilterChainMatch == nil {
		return emptyMatch
	}
	return c.FilterChainMatch
}

// selectChain runs Envoy's filter chain match: at each criterion the chains that match most
// specifically stay (a chain that names the value beats one that leaves the field empty; one
// that names another value is out), with no going back to a less specific chain later.
func selectChain(chains []*FilterChain, f *facts) (*FilterChain, []Step) {
	var steps []Step
	cands := chains
	for _, cr := range criteria {
		if len(cands) == 0 {
			break
		}
		best := -1
		specs := make([]int, len(cands))
		asked := false
		for i, c := range cands {
			m := matchOf(c)
			specs[i] = cr.spec(m, f)
			if cr.describe(m) != "" {
				asked = true
			}
			if specs[i] > best {
				best = specs[i]
			}
		}
		if !asked {
			continue // no chain looks at this field
		}
		var kept []*FilterChain
		var keptD, droppedD []string
		for i, c := range cands {
			want := cr.describe(matchOf(c))
			if want == "" {
				want = "any"
			}
			d := fmt.Sprintf("%s (%s)", shortChain(c), want)
			if specs[i] == best && best >= 0 {
				kept = append(kept, c)
				keptD = append(keptD, d)
			} else {
				droppedD = append(droppedD, d)
			}
		}
		cmp := "kept " + listOrNone(keptD)
		if len(droppedD) > 0 {
			cmp += "; dropped " + listOrNone(droppedD)
		}
		out := fmt.Sprintf("%d left", len(kept))
		steps = append(steps, Step{Stage: "filter_chain", Subject: cr.name + " " + cr.value(f), Compared: cmp, Outcome: out})
		cands = kept
	}
	if len(cands) == 0 {
		return nil, steps
	}
	return cands[0], steps
}

func shortChain(c *FilterChain) string {
	if c.Name != "" {
		return fmt.Sprintf("%d %s", c.index, quote(c.Name))
	}
	return strconv.Itoa(c.index)
}

func listOrNone(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	const max = 8
	if len(s) > max {
		return strings.Join(s[:max], ", ") + fmt.Sprintf(" and %d more", len(s)-max)
	}
	return strings.Join(s, ", ")
}
