package validate

import (
	"fmt"
	"net"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"google.golang.org/protobuf/reflect/protoreflect"
)

// The checks of protoc-gen-validate's C++ templates (the validators Envoy is built with), with
// their wording. Rules the C++ templates do not implement (well_known_regex, email, URI…) are not
// checked here either: Envoy does not enforce them.

// single checks one value (a field, a list item, a map key or value) against FieldRules r.
// present is false for an unset message field (only "required" applies then).
func (c *checker) single(md protoreflect.MessageDescriptor, field string, fd protoreflect.FieldDescriptor, v protoreflect.Value, present bool, r protoreflect.Message) {
	if mr := sub(r, "message"); mr != nil && getBool(mr, "required") && !present {
		c.pgv(md, field, "value is required")
		return
	}
	fail := func(reason string) { c.pgv(md, field, reason) }
	for _, kind := range []protoreflect.Name{"float", "double", "int32", "int64", "uint32", "uint64", "sint32", "sint64", "fixed32", "fixed64", "sfixed32", "sfixed64"} {
		nr := sub(r, kind)
		if nr == nil {
			continue
		}
		if fd.Message() != nil { // a wrapper: the rules apply to its value, when set
			if !present {
				return
			}
			v = v.Message().Get(fd.Message().Fields().ByName("value"))
		}
		if getBool(nr, "ignore_empty") && isZero(v) {
			return
		}
		numberRules(nr, v, fail)
		return
	}
	if sr := sub(r, "string"); sr != nil {
		if fd.Message() != nil {
			if !present {
				return
			}
			v = v.Message().Get(fd.Message().Fields().ByName("value"))
		}
		stringRules(sr, v.String(), fail)
		return
	}
	if br := sub(r, "bytes"); br != nil {
		if fd.Message() != nil {
			if !present {
				return
			}
			v = v.Message().Get(fd.Message().Fields().ByName("value"))
		}
		bytesRules(br, v.Bytes(), fail)
		return
	}
	if er := sub(r, "enum"); er != nil && fd.Enum() != nil {
		n := v.Enum()
		constIn(er, protoreflect.ValueOfInt32(int32(n)), fail)
		if getBool(er, "defined_only") && fd.Enum().Values().ByNumber(n) == nil {
			fail("value must be one of the defined enum values")
		}
		return
	}
	if dr := sub(r, "duration"); dr != nil {
		if getBool(dr, "required") && !present {
			fail("value is required")
			return
		}
		if present {
			durationRules(dr, v.Message(), fail)
		}
		return
	}
	if ar := sub(r, "any"); ar != nil {
		if getBool(ar, "required") && !present {
			fail("value is required")
			return
		}
		if present {
			url := v.Message().Get(v.Message().Descriptor().Fields().ByNumber(1)).String()
			if in := stringList(ar, "in"); len(in) > 0 && !slices.Contains(in, url) {
				fail(fmt.Sprint("type URL must be in list ", in))
			}
			if notIn := stringList(ar, "not_in"); slices.Contains(notIn, url) {
				fail(fmt.Sprint("type URL must not be in list ", notIn))
			}
		}
		return
	}
	if tr := sub(r, "timestamp"); tr != nil && getBool(tr, "required") && !present {
		fail("value is required")
	}
}

func isZero(v protoreflect.Value) bool {
	switch x := v.Interface().(type) {
	case int32:
		return x == 0
	case int64:
		return x == 0
	case uint32:
		return x == 0
	case uint64:
		return x == 0
	case float32:
		return x == 0
	case float64:
		return x == 0
	}
	return false
}

// num turns a numeric value into a float64 to compare (Envoy's bounds are small).
func num(v protoreflect.Value) float64 {
	switch x := v.Interface().(type) {
	case int32:
		return float64(x)
	case int64:
		return float64(x)
	case uint32:
		return float64(x)
	case uint64:
		return float64(x)
	case float32:
		return float64(x)
	case float64:
		return x
	}
	return 0
}

// bound is one of a rule's lt/lte/gt/gte: its value to compare and its text.
type bound struct {
	set  bool
	v    float64
	text string
}

func numBound(r protoreflect.Message, name protoreflect.Name) bound {
	v, ok := get(r, name)
	if !ok {
		return bound{}
	}
	return bound{set: true, v: num(v), text: fmt.Sprint(v.Interface())}
}

func numberRules(r protoreflect.Message, v protoreflect.Value, fail func(string)) {
	constIn(r, v, fail)
	ranges(num(v), numBound(r, "lt"), numBound(r, "lte"), numBound(r, "gt"), numBound(r, "gte"), fail)
}

// constIn checks const, in and not_in.
func constIn(r protoreflect.Message, v protoreflect.Value, fail func(string)) {
	if c, ok := get(r, "const"); ok && fmt.Sprint(c.Interface()) != fmt.Sprint(v.Interface()) {
		fail(fmt.Sprint("value must equal ", c.Interface()))
	}
	in, notIn := listOf(r, "in"), listOf(r, "not_in")
	s := fmt.Sprint(v.Interface())
	if len(in) > 0 && !slices.Contains(in, s) {
		fail("value must be in list [" + strings.Join(in, " ") + "]")
	}
	if slices.Contains(notIn, s) {
		fail("value must not be in list [" + strings.Join(notIn, " ") + "]")
	}
}

// listOf returns the items of a repeated field as text.
func listOf(r protoreflect.Message, name protoreflect.Name) []string {
	v, ok := get(r, name)
	if !ok {
		return nil
	}
	l := v.List()
	out := make([]string, l.Len())
	for i := range out {
		out[i] = fmt.Sprint(l.Get(i).Interface())
	}
	return out
}

func stringList(r protoreflect.Message, name protoreflect.Name) []string { return listOf(r, name) }

// ranges checks lt/lte/gt/gte as protoc-gen-validate does, with its wording.
func ranges(v float64, lt, lte, gt, gte bound, fail func(string)) {
	switch {
	case lt.set && gt.set:
		if lt.v > gt.v {
			if v <= gt.v || v >= lt.v {
				fail("value must be inside range (" + gt.text + ", " + lt.text + ")")
			}
		} else if v >= lt.v && v <= gt.v {
			fail("value must be outside range [" + lt.text + ", " + gt.text + "]")
		}
	case lt.set && gte.set:
		if lt.v > gte.v {
			if v < gte.v || v >= lt.v {
				fail("value must be inside range [" + gte.text + ", " + lt.text + ")")
			}
		} else if v >= lt.v && v < gte.v {
			fail("value must be outside range [" + lt.text + ", " + gte.text + ")")
		}
	case lt.set:
		if v >= lt.v {
			fail("value must be less than " + lt.text)
		}
	case lte.set && gt.set:
		if lte.v > gt.v {
			if v <= gt.v || v > lte.v {
				fail("value must be inside range (" + gt.text + ", " + lte.text + "]")
			}
		} else if v > lte.v && v <= gt.v {
			fail("value must be outside range (" + lte.text + ", " + gt.text + "]")
		}
	case lte.set && gte.set:
		if lte.v > gte.v {
			if v < gte.v || v > lte.v {
				fail("value must be inside range [" + gte.text + ", " + lte.text + "]")
			}
		} else if v > lte.v && v < gte.v {
			fail("value must be outside range (" + lte.text + ", " + gte.text + ")")
		}
	case lte.set:
		if v > lte.v {
			fail("value must be less than or equal to " + lte.text)
		}
	case gt.set:
		if v <= gt.v {
			fail("value must be greater than " + gt.text)
		}
	case gte.set:
		if v < gte.v {
			fail("value must be greater than or equal to " + gte.text)
		}
	}
}

// duration reads a google.protobuf.Duration message.
func duration(m protoreflect.Message) time.Duration {
	f := m.Descriptor().Fields()
	return time.Duration(m.Get(f.ByNumber(1)).Int())*time.Second + time.Duration(m.Get(f.ByNumber(2)).Int())
}

func durBound(r protoreflect.Message, name protoreflect.Name) bound {
	m := sub(r, name)
	if m == nil {
		return bound{}
	}
	d := duration(m)
	return bound{set: true, v: float64(d), text: d.String()}
}

func durationRules(r protoreflect.Message, m protoreflect.Message, fail func(string)) {
	f := m.Descriptor().Fields()
	secs, nanos := m.Get(f.ByNumber(1)).Int(), m.Get(f.ByNumber(2)).Int()
	if nanos > 999999999 || nanos < -999999999 || secs > 315576000000 || secs < -315576000000 {
		fail("value is not a valid duration")
		return
	}
	d := duration(m)
	if cm := sub(r, "const"); cm != nil && duration(cm) != d {
		fail("value must equal " + duration(cm).String())
	}
	ranges(float64(d), durBound(r, "lt"), durBound(r, "lte"), durBound(r, "gt"), durBound(r, "gte"), fail)
}

func uintRule(r protoreflect.Message, name protoreflect.Name) (uint64, bool) {
	v, ok := get(r, name)
	if !ok {
		return 0, false
	}
	return v.Uint(), true
}

func stringRules(r protoreflect.Message, s string, fail func(string)) {
	if getBool(r, "ignore_empty") && s == "" {
		return
	}
	constIn(r, protoreflect.ValueOfString(s), fail)
	n := uint64(utf8.RuneCountInString(s))
	minLen, hasMin := uintRule(r, "min_len")
	maxLen, hasMax := uintRule(r, "max_len")
	if l, ok := uintRule(r, "len"); ok {
		if n != l {
			fail(fmt.Sprint("value must be ", l, " characters"))
		}
	} else if hasMin && hasMax && minLen == maxLen {
		if n != minLen {
			fail(fmt.Sprint("value must be ", minLen, " characters"))
		}
	} else if hasMin && hasMax {
		if n < minLen || n > maxLen {
			fail(fmt.Sprint("value must have between ", minLen, " and ", maxLen, " characters inclusive"))
		}
	} else if hasMin && n < minLen {
		fail(fmt.Sprint("value length must be at least ", minLen, " characters"))
	} else if hasMax && n > maxLen {
		fail(fmt.Sprint("value length must be at most ", maxLen, " characters"))
	}
	lengthBytes(r, uint64(len(s)), fail)
	if p, ok := get(r, "prefix"); ok && !strings.HasPrefix(s, p.String()) {
		fail(fmt.Sprintf("value does not have prefix %q", p.String()))
	}
	if p, ok := get(r, "suffix"); ok && !strings.HasSuffix(s, p.String()) {
		fail(fmt.Sprintf("value does not have suffix %q", p.String()))
	}
	if p, ok := get(r, "contains"); ok && !strings.Contains(s, p.String()) {
		fail(fmt.Sprintf("value does not contain substring %q", p.String()))
	}
	if p, ok := get(r, "not_contains"); ok && strings.Contains(s, p.String()) {
		fail(fmt.Sprintf("value contains substring %q", p.String()))
	}
	if p, ok := get(r, "pattern"); ok {
		if re := pattern(p.String()); re != nil && !re.MatchString(s) {
			fail(fmt.Sprintf("value does not match regex pattern %q", p.String()))
		}
	}
	switch {
	case getBool(r, "ip") && net.ParseIP(s) == nil:
		fail("value must be a valid IP Address")
	case getBool(r, "ipv4") && (net.ParseIP(s) == nil || net.ParseIP(s).To4() == nil):
		fail("value must be a valid IPv4 Address")
	case getBool(r, "ipv6") && (net.ParseIP(s) == nil || net.ParseIP(s).To4() != nil):
		fail("value must be a valid IPv6 Address")
	case getBool(r, "hostname") && !validHostname(s):
		fail("value must be a valid hostname")
	case getBool(r, "address") && net.ParseIP(s) == nil && !validHostname(s):
		fail("value must be an ip address, or a hostname.")
	}
}

func lengthBytes(r protoreflect.Message, n uint64, fail func(string)) {
	minB, hasMin := uintRule(r, "min_bytes")
	maxB, hasMax := uintRule(r, "max_bytes")
	if l, ok := uintRule(r, "len_bytes"); ok {
		if n != l {
			fail(fmt.Sprint("value length must be ", l, " bytes"))
		}
	} else if hasMin && hasMax && minB == maxB {
		if n != minB {
			fail(fmt.Sprint("value length must be ", minB, " bytes"))
		}
	} else if hasMin && hasMax {
		if n < minB || n > maxB {
			fail(fmt.Sprint("value length must be between ", minB, " and ", maxB, " bytes, inclusive"))
		}
	} else if hasMin && n < minB {
		fail(fmt.Sprint("value length must be at least ", minB, " bytes"))
	} else if hasMax && n > maxB {
		fail(fmt.Sprint("value length must be at most ", maxB, " bytes"))
	}
}

func bytesRules(r protoreflect.Message, b []byte, fail func(string)) {
	if getBool(r, "ignore_empty") && len(b) == 0 {
		return
	}
	lengthBytes(r, uint64(len(b)), fail)
	if p, ok := get(r, "pattern"); ok {
		if re := pattern(p.String()); re != nil && !re.Match(b) {
			fail(fmt.Sprintf("value does not match regex pattern %q", p.String()))
		}
	}
}

var patterns sync.Map // pattern -> *regexp.Regexp (nil for one Go's RE2 cannot compile)

// pattern compiles a rule's RE2 pattern for a full match, once.
func pattern(p string) *regexp.Regexp {
	if re, ok := patterns.Load(p); ok {
		return re.(*regexp.Regexp)
	}
	re, err := regexp.Compile(`^(?:` + p + `)$`)
	if err != nil {
		re = nil
	}
	patterns.Store(p, re)
	return re
}

func validHostname(s string) bool {
	s = strings.TrimSuffix(s, ".")
	if s == "" || len(s) > 253 {
		return false
	}
	for _, part := range strings.Split(s, ".") {
		if part == "" || len(part) > 63 || part[0] == '-' || part[len(part)-1] == '-' {
			return false
		}
		for _, r := range part {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
				return false
			}
		}
	}
	return true
}

// repeatedRules checks min_items, max_items and unique of a list.
func (c *checker) repeatedRules(md protoreflect.MessageDescriptor, field string, l protoreflect.List, r protoreflect.Message) {
	fail := func(reason string) { c.pgv(md, field, reason) }
	n := uint64(l.Len())
	if getBool(r, "ignore_empty") && n == 0 {
		return
	}
	minI, hasMin := uintRule(r, "min_items")
	maxI, hasMax := uintRule(r, "max_items")
	switch {
	case hasMin && hasMax && minI == maxI:
		if n != minI {
			fail(fmt.Sprint("value must contain exactly ", minI, " item(s)"))
		}
	case hasMin && hasMax:
		if n < minI || n > maxI {
			fail(fmt.Sprint("value must contain between ", minI, " and ", maxI, " items, inclusive"))
		}
	case hasMin && n < minI:
		fail(fmt.Sprint("value must contain at least ", minI, " item(s)"))
	case hasMax && n > maxI:
		fail(fmt.Sprint("value must contain no more than ", maxI, " item(s)"))
	}
	if getBool(r, "unique") {
		seen := map[string]bool{}
		for i := 0; i < l.Len(); i++ {
			k := fmt.Sprint(l.Get(i).Interface())
			if seen[k] {
				fail("repeated value must contain unique items")
				return
			}
			seen[k] = true
		}
	}
}

// mapRules checks min_pairs and max_pairs of a map.
func (c *checker) mapRules(md protoreflect.MessageDescriptor, field string, n int, r protoreflect.Message) {
	fail := func(reason string) { c.pgv(md, field, reason) }
	if getBool(r, "ignore_empty") && n == 0 {
		return
	}
	minP, hasMin := uintRule(r, "min_pairs")
	maxP, hasMax := uintRule(r, "max_pairs")
	u := uint64(n)
	switch {
	case hasMin && hasMax && minP == maxP:
		if u != minP {
			fail(fmt.Sprint("value must contain exactly ", minP, " pair(s)"))
		}
	case hasMin && hasMax:
		if u < minP || u > maxP {
			fail(fmt.Sprint("value must contain between ", minP, " and ", maxP, " pairs, inclusive"))
		}
	case hasMin && u < minP:
		fail(fmt.Sprint("value must contain at least ", minP, " pair(s)"))
	case hasMax && u > maxP:
		fail(fmt.Sprint("value must contain no more than ", maxP, " pair(s)"))
	}
}
