package validate

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/xdsctl/xdsctl/internal/envoydesc"
)

// semantic runs the checks Envoy makes when it builds a resource of m's type from the proto,
// beyond the protoc-gen-validate rules.
func (c *checker) semantic(m protoreflect.Message) {
	switch m.Descriptor().FullName() {
	case "envoy.config.listener.v3.Listener":
		c.listener(m)
	case "envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager":
		c.httpFilters(m)
	case "envoy.config.route.v3.RouteConfiguration":
		c.uniqueDomains(m)
	case "envoy.config.cluster.v3.Cluster":
		c.edsConfig(m)
	}
}

// uniqueDomains: Envoy's route table refuses a domain two virtual hosts claim (compared in lower
// case), a frequent NACK when two Istio VirtualServices or Gateways claim one host.
func (c *checker) uniqueDomains(m protoreflect.Message) {
	vhs := field(m, "virtual_hosts").List()
	seen := map[string]bool{}
	for i := 0; i < vhs.Len(); i++ {
		domains := field(vhs.Get(i).Message(), "domains").List()
		for j := 0; j < domains.Len(); j++ {
			d := strings.ToLower(domains.Get(j).String())
			if !seen[d] {
				seen[d] = true
				continue
			}
			text := fmt.Sprintf("Only unique values for domains are permitted. Duplicate entry of domain %s in route %s", d, field(m, "name").String())
			c.add(c.pathWith("virtual_hosts["+strconv.Itoa(i)+"].domains["+strconv.Itoa(j)+"]"), text, text, Error, KindEnvoy)
		}
	}
}

// edsConfig: Envoy cannot create an EDS cluster that does not say where its endpoints come from.
func (c *checker) edsConfig(m protoreflect.Message) {
	typ := field(m, "type")
	if !has(m, "type") || typ.Enum() != 3 || has(m, "eds_cluster_config") { // 3: EDS
		return
	}
	text := "cannot create an EDS cluster without an EDS config"
	c.add(c.pathWith("eds_cluster_config"), text, text, Error, KindEnvoy)
}

// field returns the value of field name of m (the zero value if m has no such field).
func field(m protoreflect.Message, name protoreflect.Name) protoreflect.Value {
	fd := m.Descriptor().Fields().ByName(name)
	if fd == nil {
		return protoreflect.Value{}
	}
	return m.Get(fd)
}

func has(m protoreflect.Message, name protoreflect.Name) bool {
	fd := m.Descriptor().Fields().ByName(name)
	return fd != nil && m.Has(fd)
}

// listener: Envoy's ListenerImpl refuses a listener without an address (unless internal), and
// FilterChainManagerImpl one whose filter chains have the same match.
func (c *checker) listener(m protoreflect.Message) {
	name := field(m, "name").String()
	if has(m, "api_listener") {
		return // Envoy skips an api_listener sent over LDS without looking further
	}
	if !has(m, "address") && !has(m, "internal_listener") {
		text := "address is necessary"
		c.add(c.pathWith("address"), text, fmt.Sprintf("error adding listener named '%s': %s", name, text), Error, KindEnvoy)
		return
	}
	if has(m, "filter_chain_matcher") {
		return // the matcher picks a chain by name; filter_chain_match is not used
	}
	addr := addressString(field(m, "address").Message())
	chains := field(m, "filter_chains").List()
	seen := map[string]int{}
	same := false
	for i := 0; i < chains.Len(); i++ {
		fc := chains.Get(i).Message()
		if has(fc, "filter_chain_match") && has(field(fc, "filter_chain_match").Message(), "suffix_len") {
			text := fmt.Sprintf("filter chain '%s' contains unimplemented fields", chainName(fc))
			c.add(c.pathWith("filter_chains["+strconv.Itoa(i)+"].filter_chain_match.suffix_len"), text,
				fmt.Sprintf("error adding listener '%s': %s", addr, text), Error, KindEnvoy)
		}
		key := "-"
		if has(fc, "filter_chain_match") {
			b, err := proto.MarshalOptions{Deterministic: true}.Marshal(field(fc, "filter_chain_match").Message().Interface())
			if err != nil {
				continue
			}
			key = string(b)
		}
		j, dup := seen[key]
		if !dup {
			seen[key] = i
			continue
		}
		same = true
		other := chains.Get(j).Message()
		text := fmt.Sprintf("filter chain '%s' has the same matching rules defined as '%s'", chainName(fc), chainName(other))
		c.add(c.pathWith("filter_chains["+strconv.Itoa(i)+"].filter_chain_match"), text+" (filter_chains["+strconv.Itoa(j)+"])",
			fmt.Sprintf("error adding listener '%s': %s. duplicate matcher is: %s", addr, text, compactJSON(fc, "filter_chain_match")), Error, KindEnvoy)
	}
	if !same { // Envoy stops at the first of its errors: the overlap is looked for only after
		c.overlap(chains, addr)
	}
}

// maxLeaves bounds the leaves one chain may reach before the overlap check gives up on a listener
// (a chain with 100 server names, 100 ranges and 10 ports reaches 100,000).
const maxLeaves = 100_000

// overlap: Envoy files each filter chain in a tree keyed, level by level, by destination port,
// destination IP range, server name, transport protocol, application protocol, direct source
// IP range, source type, source IP range and source port (an empty list is its own key, not a
// wildcard), and refuses a listener where two chains reach the same leaf: matches that differ
// only in order or share one value of each list, or one chain that lists a value twice
// ("multiple filter chains with overlapping matching rules are defined").
func (c *checker) overlap(chains protoreflect.List, addr string) {
	owner := map[string]int{}
	for i := 0; i < chains.Len(); i++ {
		fc := chains.Get(i).Message()
		leaves, ok := matchLeaves(field(fc, "filter_chain_match").Message())
		if !ok {
			return
		}
		for _, leaf := range leaves {
			j, taken := owner[leaf]
			if !taken {
				owner[leaf] = i
				continue
			}
			text := fmt.Sprintf("filter chain '%s' overlaps filter chain '%s' (filter_chains[%d]): both match %s",
				chainName(fc), chainName(chains.Get(j).Message()), j, describeLeaf(leaf))
			if j == i { // Envoy files a value listed twice twice, and refuses the second
				text = fmt.Sprintf("filter chain '%s' matches %s twice (a value listed twice)", chainName(fc), describeLeaf(leaf))
			}
			c.add(c.pathWith("filter_chains["+strconv.Itoa(i)+"].filter_chain_match"), text,
				fmt.Sprintf("error adding listener '%s': multiple filter chains with overlapping matching rules are defined", addr), Error, KindEnvoy)
			return
		}
	}
}

// leafLevels names the levels of a leaf key, in order, for describeLeaf.
var leafLevels = []string{"destination port", "destination IP", "server name", "transport protocol",
	"application protocol", "direct source IP", "source type", "source IP", "source port"}

// matchLeaves is every leaf of Envoy's filter chain tree that a FilterChainMatch reaches, as keys
// of its levels joined by NUL; false when there are more than maxLeaves.
func matchLeaves(m protoreflect.Message) ([]string, bool) {
	port := "0"
	if has(m, "destination_port") {
		port = strconv.FormatUint(field(field(m, "destination_port").Message(), "value").Uint(), 10)
	}
	lower := func(l protoreflect.List) []string { // Envoy matches server names in lower case
		out := strings_(l)
		for i := range out {
			out[i] = strings.ToLower(out[i])
		}
		return out
	}
	var ports []string
	srcPorts := field(m, "source_ports").List()
	for i := 0; i < srcPorts.Len(); i++ {
		ports = append(ports, strconv.FormatUint(srcPorts.Get(i).Uint(), 10))
	}
	levels := [][]string{
		{port},
		cidrs(field(m, "prefix_ranges").List()),
		lower(field(m, "server_names").List()),
		{field(m, "transport_protocol").String()},
		strings_(field(m, "application_protocols").List()),
		cidrs(field(m, "direct_source_prefix_ranges").List()),
		{strconv.Itoa(int(field(m, "source_type").Enum()))},
		cidrs(field(m, "source_prefix_ranges").List()),
		orEmpty(ports, "0"),
	}
	n := 1
	for i := range levels {
		levels[i] = orEmpty(levels[i], "")
		if n *= len(levels[i]); n > maxLeaves {
			return nil, false
		}
	}
	leaves := []string{""}
	for li, level := range levels {
		next := make([]string, 0, len(leaves)*len(level))
		for _, prefix := range leaves {
			for _, v := range level {
				if li > 0 {
					v = prefix + "\x00" + v
				}
				next = append(next, v)
			}
		}
		leaves = next
	}
	return leaves, true
}

func orEmpty(l []string, empty string) []string {
	if len(l) == 0 {
		return []string{empty}
	}
	return l
}

func strings_(l protoreflect.List) []string {
	out := make([]string, l.Len())
	for i := range out {
		out[i] = l.Get(i).String()
	}
	return out
}

// cidrs is a list of CidrRange as Envoy keys them: the address masked to its length
// ("10.1.2.3/8" is 10.0.0.0/8); one it cannot parse is kept as written.
func cidrs(l protoreflect.List) []string {
	out := make([]string, l.Len())
	for i := range out {
		r := l.Get(i).Message()
		addr := field(r, "address_prefix").String()
		bits := -1
		if has(r, "prefix_len") {
			bits = int(field(field(r, "prefix_len").Message(), "value").Uint())
		}
		out[i] = addr + "/" + strconv.Itoa(bits)
		ip, err := netip.ParseAddr(addr)
		if err != nil {
			continue
		}
		if bits < 0 || bits > ip.BitLen() {
			bits = min(max(bits, 0), ip.BitLen()) // Envoy: unset is 0, too long is the full length
		}
		if p, err := ip.Prefix(bits); err == nil {
			out[i] = p.String()
		}
	}
	return out
}

// describeLeaf says which values of a leaf key are set: "destination port 443, server name a.com".
func describeLeaf(leaf string) string {
	var parts []string
	for i, v := range strings.Split(leaf, "\x00") {
		if v == "" || v == "0" && (i == 0 || i == 6 || i == 8) {
			continue
		}
		parts = append(parts, leafLevels[i]+" "+v)
	}
	if len(parts) == 0 {
		return "every connection"
	}
	return strings.Join(parts, ", ")
}

// compactJSON is field name of m as Envoy prints a message in an error: compact JSON with proto
// field names, "{}" when unset.
func compactJSON(m protoreflect.Message, name protoreflect.Name) string {
	if !has(m, name) {
		return "{}"
	}
	b, err := protojson.MarshalOptions{UseProtoNames: true, Resolver: envoydesc.Types{}}.Marshal(field(m, name).Message().Interface())
	if err != nil {
		return "{}"
	}
	var out bytes.Buffer
	if json.Compact(&out, b) != nil {
		return string(b)
	}
	return out.String()
}

func chainName(fc protoreflect.Message) string {
	if n := field(fc, "name").String(); n != "" {
		return n
	}
	return "" // Envoy names an unnamed chain ''
}

// addressString is an Address as Envoy prints it: "0.0.0.0:15006", a pipe's path.
func addressString(a protoreflect.Message) string {
	if has(a, "socket_address") {
		sa := field(a, "socket_address").Message()
		host := field(sa, "address").String()
		if strings.Contains(host, ":") {
			host = "[" + host + "]"
		}
		if has(sa, "named_port") {
			return host + ":" + field(sa, "named_port").String()
		}
		return host + ":" + strconv.FormatUint(field(sa, "port_value").Uint(), 10)
	}
	if has(a, "pipe") {
		return field(field(a, "pipe").Message(), "path").String()
	}
	if has(a, "envoy_internal_address") {
		return "envoy://" + field(field(a, "envoy_internal_address").Message(), "server_listener_name").String()
	}
	return ""
}

// terminalHTTP are the HTTP filters that end a chain (Envoy's isTerminalFilter): the router.
var terminalHTTP = map[string]bool{
	"envoy.extensions.filters.http.router.v3.Router": true,
}

// httpFilters: Envoy's HTTP connection manager wants exactly its last filter terminal.
func (c *checker) httpFilters(m protoreflect.Message) {
	filters := field(m, "http_filters").List()
	n := filters.Len()
	for i := 0; i < n; i++ {
		f := filters.Get(i).Message()
		if !has(f, "typed_config") {
			continue // config_discovery or disabled: its type is not known yet
		}
		url := field(field(f, "typed_config").Message(), "type_url").String()
		typ := url[strings.LastIndexByte(url, '/')+1:]
		terminal := terminalHTTP[typ]
		name := field(f, "name").String()
		path := c.pathWith("http_filters[" + strconv.Itoa(i) + "]")
		switch {
		case terminal && i != n-1:
			text := fmt.Sprintf("terminal filter named %s of type envoy.filters.http.router must be the last filter in a http filter chain.", name)
			c.add(path, strings.TrimSuffix(text, "."), "Error: "+text, Error, KindEnvoy)
		case !terminal && i == n-1 && isKnownHTTPFilter(typ):
			text := fmt.Sprintf("non-terminal filter named %s of type %s is the last filter in a http filter chain.", name, typ)
			c.add(path, strings.TrimSuffix(text, "."), "Error: "+text, Error, KindEnvoy)
		}
	}
}

// isKnownHTTPFilter: a custom filter may be terminal; only the API's own are judged.
func isKnownHTTPFilter(typ string) bool {
	return strings.HasPrefix(typ, "envoy.extensions.filters.http.")
}
