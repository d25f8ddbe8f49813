package configdiff

import (
	"bytes"
	"net/netip"
	"sort"
	"strings"

	"github.com/xdsctl/xdsctl/pkg/configdump"
)

// Placeholders --normalize-pod puts in place of a proxy's own pod IPs and pod name.
const (
	PodIPPlaceholder   = "<pod-ip>"
	PodNamePlaceholder = "<pod-name>"
)

// podNames are what is particular to one replica in its proxy's config: the pod's IPs (in Istio's
// inbound listener names such as 10.1.2.3_15006, inbound cluster endpoints, the node id) and the
// pod's name (node id, metadata). They come from the proxy's bootstrap: the node id
// (sidecar~10.1.2.3~reviews-v1-7f9c-x2b.default~default.svc.cluster.local) and the node metadata
// (INSTANCE_IPS, NAME, POD_NAME).
type podNames struct {
	ips  []string // longest first, so 10.1.2.30 is replaced before 10.1.2.3 could match inside it
	name string
}

// podNamesOf reads a dump's bootstrap; nil when it names no pod.
func podNamesOf(d *configdump.Dump) *podNames {
	sec, ok := d.Section(configdump.SectionBootstrap)
	if !ok {
		return nil
	}
	node := sec.Get("bootstrap", "node")
	p := &podNames{}
	seen := map[string]bool{}
	addIP := func(s string) {
		s = strings.TrimSpace(s)
		if a, err := netip.ParseAddr(s); err == nil && !a.IsUnspecified() && !a.IsLoopback() && !seen[s] {
			seen[s] = true
			p.ips = append(p.ips, s)
		}
	}
	id := node.Get("id").Str()
	if parts := strings.Split(id, "~"); len(parts) == 4 {
		addIP(parts[1])
		p.name, _, _ = strings.Cut(parts[2], ".")
	}
	md := node.Get("metadata")
	for _, ip := range strings.Split(md.Get("INSTANCE_IPS").Str(), ",") {
		addIP(ip)
	}
	for _, k := range []string{"NAME", "POD_NAME"} {
		if n := md.Get(k).Str(); n != "" && p.name == "" {
			p.name = n
		}
	}
	if len(p.ips) == 0 && p.name == "" {
		return nil
	}
	sort.Slice(p.ips, func(i, j int) bool { return len(p.ips[i]) > len(p.ips[j]) })
	return p
}

// in tells whether raw holds any of the pod's IPs or its name (false for nil).
func (p *podNames) in(raw []byte) bool {
	if p == nil {
		return false
	}
	for _, ip := range p.ips {
		if bytes.Contains(raw, []byte(ip)) {
			return true
		}
	}
	return p.name != "" && bytes.Contains(raw, []byte(p.name))
}

// replace puts the placeholders in place of the pod's IPs and name wherever they appear in s as
// whole tokens (an IP not followed or preceded by another digit or dot-digit, a name not part of a
// longer name).
func (p *podNames) replace(s string) string {
	for _, ip := range p.ips {
		b := ip4Boundary
		if strings.Contains(ip, ":") {
			b = ip6Boundary
		}
		s = replaceToken(s, ip, PodIPPlaceholder, b)
	}
	if p.name != "" {
		s = replaceToken(s, p.name, PodNamePlaceholder, nameBoundary)
	}
	return s
}

func ip4Boundary(c byte) bool { return !isDigit(c) && c != '.' }

func ip6Boundary(c byte) bool {
	return !(isDigit(c) || c == '.' || c == ':' || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))
}

func nameBoundary(c byte) bool {
	return !(isDigit(c) || c == '-' || (c >= 'a' && c <= 'z'))
}

func replaceToken(s, tok, with string, boundary func(byte) bool) string {
	if !strings.Contains(s, tok) {
		return s
	}
	var b strings.Builder
	for {
		i := strings.Index(s, tok)
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		end := i + len(tok)
		if (i == 0 || boundary(s[i-1])) && (end == len(s) || boundary(s[end])) {
			b.WriteString(s[:i])
			b.WriteString(with)
		} else {
			b.WriteString(s[:end])
		}
		s = s[end:]
	}
}
