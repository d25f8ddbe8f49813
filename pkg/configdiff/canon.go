package configdiff

import (
	"encoding/json"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"google.golang.org/protobuf/reflect/protoreflect"
)

// setFields are the repeated fields whose order Envoy ignores, so both sides are sorted before they
// are compared. Each is matched by its proto field name wherever it appears (docs/proxy-status.md
// lists them with the reason):
//
//   - RouteConfiguration.virtual_hosts: a request picks its virtual host by domain, never by position.
//   - VirtualHost.domains: matched by specificity (exact, suffix, prefix, "*"), not by order.
//   - Listener.filter_chains: a connection picks the most specific FilterChainMatch; order is unused
//     (Envoy rejects two chains with the same match).
//   - FilterChainMatch.server_names, .application_protocols, .transport_protocol lists,
//     .prefix_ranges, .source_prefix_ranges, .direct_source_prefix_ranges, .source_ports: each a set
//     the connection must be a member of.
//   - LocalityLbEndpoints (ClusterLoadAssignment.endpoints) and their lb_endpoints: load balancing
//     groups by priority and locality fields, not by list position.
//   - CertificateValidationContext.match_subject_alt_names and match_typed_subject_alt_names: any one
//     matching is enough.
//
// Lists where order matters are kept as they are: routes of a virtual host (first match wins),
// http_filters and network filters (a chain), listener_filters, transport_socket_matches,
// alpn_protocols (preference order), headers to add, and every list not named here.
var setFields = map[string]bool{
	"virtual_hosts":                 true,
	"domains":                       true,
	"filter_chains":                 true,
	"server_names":                  true,
	"application_protocols":         true,
	"prefix_ranges":                 true,
	"source_prefix_ranges":          true,
	"direct_source_prefix_ranges":   true,
	"source_ports":                  true,
	"endpoints":                     true,
	"lb_endpoints":                  true,
	"match_subject_alt_names":       true,
	"match_typed_subject_alt_names": true,
}

// typeRenames maps message names spelled differently by older dumps to the names xdsctl compares:
// Envoy's v2 API and the udpa TypedStruct that became xds.type.v3.TypedStruct.
var typeRenames = map[string]string{
	"envoy.api.v2.Cluster":                                                         "envoy.config.cluster.v3.Cluster",
	"envoy.api.v2.Listener":                                                        "envoy.config.listener.v3.Listener",
	"envoy.api.v2.RouteConfiguration":                                              "envoy.config.route.v3.RouteConfiguration",
	"envoy.api.v2.ClusterLoadAssignment":                                           "envoy.config.endpoint.v3.ClusterLoadAssignment",
	"envoy.api.v2.ScopedRouteConfiguration":                                        "envoy.config.route.v3.ScopedRouteConfiguration",
	"envoy.api.v2.auth.Secret":                                                     "envoy.extensions.transport_sockets.tls.v3.Secret",
	"envoy.api.v2.auth.UpstreamTlsContext":                                         "envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext",
	"envoy.api.v2.auth.DownstreamTlsContext":                                       "envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext",
	"envoy.config.filter.network.http_connection_manager.v2.HttpConnectionManager": "envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager",
	"envoy.config.filter.network.tcp_proxy.v2.TcpProxy":                            "envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy",
	"envoy.config.filter.http.router.v2.Router":                                    "envoy.extensions.filters.http.router.v3.Router",
	"envoy.config.accesslog.v2.FileAccessLog":                                      "envoy.extensions.access_loggers.file.v3.FileAccessLog",
	"udpa.type.v1.TypedStruct":                                                     "xds.type.v3.TypedStruct",
}

// canonicalTypeURL spells a type URL the way xdsctl compares it: type.googleapis.com/ and the v3 name.
func canonicalTypeURL(url string) string {
	name := url[strings.LastIndexByte(url, '/')+1:]
	if v3, ok := typeRenames[name]; ok {
		name = v3
	}
	return "type.googleapis.com/" + name
}

// canonicalizer rewrites one resource (JSON already carrying Envoy's proto field names) into a form
// where equal configurations are equal JSON: members in proto field order, default values and empty
// lists dropped, enums as names, 64-bit integers as strings, durations and timestamps in one
// spelling, set-like lists sorted, type URLs in their v3 spelling; fields the ignore rules name
// dropped, and, with --normalize-pod, the pod's own IPs and name replaced by placeholders. The proto
// schema guides it where xdsctl knows the types; elsewhere it keeps the JSON as it is (but still
// orders members by name and sorts set-like lists).
type canonicalizer struct {
	// opaque are type URLs (canonical) whose content one side could not show: compared by type only.
	opaque map[string]bool
	// ignore are the ignore rules for the kind at hand.
	ignore []pathPattern
	// pod rewrites strings naming the side's own pod (nil: no rewriting).
	pod *podNames
}

func lookup(name string) protoreflect.MessageDescriptor {
	mt, err := Types.FindMessageByName(protoreflect.FullName(name))
	if err != nil {
		return nil
	}
	return mt.Descriptor()
}

// opaqueKey marks a payload compared by type only.
const opaqueKey = "(content not compared)"

func (c *canonicalizer) value(v any, md protoreflect.MessageDescriptor, path []string) any {
	switch t := v.(type) {
	case map[string]any:
		return c.object(t, md, path)
	case []any:
		out := make([]any, 0, len(t))
		for _, e := range t {
			out = append(out, c.value(e, md, path))
		}
		return out
	case string:
		return c.str(t)
	}
	return v
}

func (c *canonicalizer) str(s string) string {
	if c.pod == nil {
		return s
	}
	return c.pod.replace(s)
}

// member is an object member with what orders it.
type member struct {
	rank int // 0 "@type", 1 a proto field, 2 no schema
	num  protoreflect.FieldNumber
	key  string
	val  any
}

func (c *canonicalizer) object(m map[string]any, md protoreflect.MessageDescriptor, path []string) any {
	if md != nil && md.FullName() == "google.protobuf.Any" {
		md = nil
	}
	if u, ok := m["@type"].(string); ok {
		if inner, ok := m["value"].(map[string]any); ok && len(m) == 2 {
			if ou, ok := inner[opaqueMarker].(string); ok {
				// a payload the control plane side could not decode (see binary.go)
				return &obj{keys: []string{"@type", opaqueKey}, vals: []any{canonicalTypeURL(ou), true}}
			}
		}
		cu := canonicalTypeURL(u)
		if c.opaque[cu] {
			return &obj{keys: []string{"@type", opaqueKey}, vals: []any{cu, true}}
		}
		md = lookup(cu[strings.LastIndexByte(cu, '/')+1:])
		if md != nil && isWellKnown(md) {
			// {"@type": ".../google.protobuf.Duration", "value": "5s"}
			out := &obj{}
			out.add("@type", cu)
			if val, ok := m["value"]; ok {
				out.add("value", c.wellKnown(val, md, append(path, "value")))
			}
			return out
		}
		m2 := make(map[string]any, len(m))
		for k, val := range m {
			m2[k] = val
		}
		m2["@type"] = cu
		m = m2
	}
	if md != nil && isWellKnown(md) {
		return c.wellKnown(m, md, path)
	}
	ms := make([]member, 0, len(m))
	for k, val := range m {
		if k == "@type" {
			ms = append(ms, member{rank: 0, key: k, val: val})
			continue
		}
		var fd protoreflect.FieldDescriptor
		if md != nil {
			fd = md.Fields().ByName(protoreflect.Name(k))
			if fd == nil {
				fd = md.Fields().ByJSONName(k)
			}
			if fd != nil {
				k = string(fd.Name())
			}
		}
		fp := append(path[:len(path):len(path)], k)
		if c.ignored(fp) {
			continue
		}
		cv, keep := c.field(val, fd, fp)
		if !keep {
			continue
		}
		if arr, ok := cv.([]any); ok && setFields[k] {
			sortSet(arr)
		}
		if fd != nil {
			ms = append(ms, member{rank: 1, num: fd.Number(), key: k, val: cv})
		} else {
			ms = append(ms, member{rank: 2, key: k, val: cv})
		}
	}
	sort.Slice(ms, func(i, j int) bool {
		a, b := ms[i], ms[j]
		if a.rank != b.rank {
			return a.rank < b.rank
		}
		if a.num != b.num {
			return a.num < b.num
		}
		return a.key < b.key
	})
	out := &obj{keys: make([]string, len(ms)), vals: make([]any, len(ms))}
	for i, e := range ms {
		out.keys[i], out.vals[i] = e.key, e.val
	}
	return out
}

func (c *canonicalizer) ignored(path []string) bool {
	for _, p := range c.ignore {
		if p.match(path) {
			return true
		}
	}
	return false
}

// sortedObj builds an object of map entries or Struct members, ordered by key.
func sortedObj(m map[string]any, fn func(k string, v any) any) *obj {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := &obj{keys: keys, vals: make([]any, len(keys))}
	for i, k := range keys {
		out.vals[i] = fn(k, m[k])
	}
	return out
}

// field canonicalizes one field's value; keep is false for a value equal to "not set".
func (c *canonicalizer) field(v any, fd protoreflect.FieldDescriptor, path []string) (out any, keep bool) {
	if fd == nil {
		cv := c.value(v, nil, path)
		if arr, ok := cv.([]any); ok && len(arr) == 0 {
			return nil, false // no proto JSON printer writes an empty list; absent and empty are the same
		}
		return cv, v != nil
	}
	switch {
	case fd.IsMap():
		mv, ok := v.(map[string]any)
		if !ok {
			return c.value(v, nil, path), true
		}
		if len(mv) == 0 {
			return nil, false
		}
		vd := fd.MapValue()
		return sortedObj(mv, func(k string, e any) any {
			return c.scalarOrMessage(e, vd, append(path[:len(path):len(path)], k))
		}), true
	case fd.IsList():
		arr, ok := v.([]any)
		if !ok {
			return c.scalarOrMessage(v, fd, path), true
		}
		if len(arr) == 0 {
			return nil, false
		}
		out := make([]any, 0, len(arr))
		for _, e := range arr {
			out = append(out, c.scalarOrMessage(e, fd, path))
		}
		return out, true
	}
	if v == nil {
		return nil, false
	}
	cv := c.scalarOrMessage(v, fd, path)
	if !fd.HasPresence() && isZero(cv, fd) {
		return nil, false // a proto3 scalar at its default is the same as unset
	}
	return cv, true
}

// scalarOrMessage canonicalizes a single (non-list) value of a field.
func (c *canonicalizer) scalarOrMessage(v any, fd protoreflect.FieldDescriptor, path []string) any {
	switch fd.Kind() {
	case protoreflect.MessageKind, protoreflect.GroupKind:
		md := fd.Message()
		if isWellKnown(md) {
			return c.wellKnown(v, md, path)
		}
		return c.value(v, md, path)
	case protoreflect.StringKind:
		if s, ok := v.(string); ok {
			return c.str(s)
		}
	case protoreflect.EnumKind:
		return enumName(v, fd.Enum())
	case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind,
		protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		return intText(v)
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind,
		protoreflect.Uint32Kind, protoreflect.Fixed32Kind, protoreflect.FloatKind, protoreflect.DoubleKind:
		return number(v)
	}
	return v
}

func isZero(v any, fd protoreflect.FieldDescriptor) bool {
	switch t := v.(type) {
	case bool:
		return !t
	case string:
		if fd.Kind() == protoreflect.EnumKind {
			ev := fd.Enum().Values().ByNumber(0)
			return ev != nil && string(ev.Name()) == t
		}
		return t == "" || (t == "0" && isIntKind(fd.Kind()))
	case json.Number:
		f, err := t.Float64()
		return err == nil && f == 0
	}
	return false
}

func isIntKind(k protoreflect.Kind) bool {
	switch k {
	case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind, protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		return true
	}
	return false
}

// enumName spells an enum value by name (JSON may give the number).
func enumName(v any, ed protoreflect.EnumDescriptor) any {
	if n, ok := v.(json.Number); ok {
		if i, err := n.Int64(); err == nil {
			if ev := ed.Values().ByNumber(protoreflect.EnumNumber(i)); ev != nil {
				return string(ev.Name())
			}
		}
	}
	return v
}

// intText spells a 64-bit integer as proto JSON does: a decimal string.
func intText(v any) any {
	switch t := v.(type) {
	case json.Number:
		return t.String()
	case string:
		if _, err := strconv.ParseInt(t, 10, 64); err == nil {
			return t
		}
		if u, err := strconv.ParseUint(t, 10, 64); err == nil {
			return strconv.FormatUint(u, 10)
		}
	}
	return v
}

// number spells 32-bit integers and floats as JSON numbers (proto JSON also accepts strings).
func number(v any) any {
	if s, ok := v.(string); ok {
		if f, err := strconv.ParseFloat(s, 64); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
			return json.Number(strconv.FormatFloat(f, 'g', -1, 64))
		}
		return v
	}
	if n, ok := v.(json.Number); ok {
		if f, err := n.Float64(); err == nil {
			return json.Number(strconv.FormatFloat(f, 'g', -1, 64))
		}
	}
	return v
}

var wellKnown = map[protoreflect.FullName]bool{
	"google.protobuf.Struct": true, "google.protobuf.Value": true, "google.protobuf.ListValue": true,
	"google.protobuf.Duration": true, "google.protobuf.Timestamp": true, "google.protobuf.FieldMask": true,
	"google.protobuf.Empty": true, "google.protobuf.DoubleValue": true, "google.protobuf.FloatValue": true,
	"google.protobuf.Int64Value": true, "google.protobuf.UInt64Value": true, "google.protobuf.Int32Value": true,
	"google.protobuf.UInt32Value": true, "google.protobuf.BoolValue": true, "google.protobuf.StringValue": true,
	"google.protobuf.BytesValue": true, "google.protobuf.NullValue": true,
}

func isWellKnown(md protoreflect.MessageDescriptor) bool { return wellKnown[md.FullName()] }

// wellKnown canonicalizes the special JSON forms: durations and timestamps spelled one way,
// wrapped 64-bit integers as strings, 32-bit ones and floats as numbers; Struct content as data.
func (c *canonicalizer) wellKnown(v any, md protoreflect.MessageDescriptor, path []string) any {
	switch md.FullName() {
	case "google.protobuf.Duration":
		if s, ok := v.(string); ok {
			if d, err := parseDuration(s); err == nil {
				return formatDuration(d)
			}
		}
	case "google.protobuf.Timestamp":
		if s, ok := v.(string); ok {
			if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
				return t.UTC().Format(time.RFC3339Nano)
			}
		}
	case "google.protobuf.Int64Value", "google.protobuf.UInt64Value":
		return intText(v)
	case "google.protobuf.Int32Value", "google.protobuf.UInt32Value", "google.protobuf.DoubleValue", "google.protobuf.FloatValue":
		return number(v)
	case "google.protobuf.StringValue":
		if s, ok := v.(string); ok {
			return c.str(s)
		}
	}
	return c.value(v, nil, path)
}

// parseDuration reads proto JSON's duration ("1.5s", "-0.000001s").
func parseDuration(s string) (time.Duration, error) {
	return time.ParseDuration(s)
}

// formatDuration writes proto JSON's duration: seconds with 0, 3, 6 or 9 fractional digits.
func formatDuration(d time.Duration) string {
	neg := d < 0
	if neg {
		d = -d
	}
	secs, nanos := int64(d/time.Second), int64(d%time.Second)
	s := strconv.FormatInt(secs, 10)
	switch {
	case nanos == 0:
	case nanos%1e6 == 0:
		s += "." + pad(nanos/1e6, 3)
	case nanos%1e3 == 0:
		s += "." + pad(nanos/1e3, 6)
	default:
		s += "." + pad(nanos, 9)
	}
	if neg {
		s = "-" + s
	}
	return s + "s"
}

func pad(n int64, width int) string {
	s := strconv.FormatInt(n, 10)
	return strings.Repeat("0", width-len(s)) + s
}

// sortSet orders a set-like list by each element's canonical JSON.
func sortSet(arr []any) {
	keys := make([]string, len(arr))
	for i, e := range arr {
		keys[i] = compact(e)
	}
	idx := make([]int, len(arr))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return keys[idx[a]] < keys[idx[b]] })
	sorted := make([]any, len(arr))
	for i, j := range idx {
		sorted[i] = arr[j]
	}
	copy(arr, sorted)
}
