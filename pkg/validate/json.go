package validate

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/xdsctl/xdsctl/internal/envoydesc"
)

// The JSON walk reports what Envoy's JSON parser (and protojson) refuse, with a path, and drops
// what it reports so that protojson then decodes the rest (protojson stops at the first error and
// names no field path).

func unmarshalJSON(data []byte, m proto.Message) error {
	return protojson.UnmarshalOptions{Resolver: envoydesc.Types{}}.Unmarshal(data, m)
}

// peekType returns the top-level "@type" of a JSON object, or "".
func peekType(data []byte) string {
	var v struct {
		Type string `json:"@type"`
	}
	if json.Unmarshal(data, &v) != nil {
		return ""
	}
	return v.Type
}

// json checks data against md and returns it without the parts it reported; ok is false when
// nothing is left to check (the input is not JSON).
func (c *checker) json(md protoreflect.MessageDescriptor, data []byte) ([]byte, bool) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		c.add("", "not JSON: "+err.Error(), "Unable to parse JSON as proto ("+err.Error()+")", Error, KindJSON)
		return nil, false
	}
	if dec.More() {
		c.add("", "not JSON: more than one value", "Unable to parse JSON as proto (unexpected data after the value)", Error, KindJSON)
		return nil, false
	}
	obj, ok := v.(map[string]any)
	if !ok {
		c.jsonErr(md.FullName(), "", fmt.Sprintf("a %s must be a JSON object, not %s", md.Name(), jsonKind(v)))
		return nil, false
	}
	if t, has := obj["@type"]; has {
		if url, _ := t.(string); url[strings.LastIndexByte(url, '/')+1:] != string(md.FullName()) {
			c.jsonErr("", "@type", fmt.Sprintf("%s is not a %s", jsonText(t), md.FullName()))
		}
		delete(obj, "@type")
	}
	if c.dropped == nil {
		c.dropped = map[string]bool{}
	}
	c.jsonMessage(md, obj, false)
	out, err := json.Marshal(obj)
	if err != nil {
		c.add("", "cannot re-encode: "+err.Error(), err.Error(), Error, KindJSON)
		return nil, false
	}
	return out, true
}

// jsonErr reports a problem of the JSON parser at the current path + field.
func (c *checker) jsonErr(msg protoreflect.FullName, field, text string) {
	path := c.pathWith(field)
	envoy := fmt.Sprintf("Unable to parse JSON as proto (INVALID_ARGUMENT:%s: %s)", path, text)
	c.add(path, text, envoy, Error, KindJSON)
}

// jsonMessage checks the fields of obj, a JSON object for md, deleting those it reports.
// inAny says obj is an Any's content, whose "@type" jsonAny checked.
func (c *checker) jsonMessage(md protoreflect.MessageDescriptor, obj map[string]any, inAny bool) {
	fields := md.Fields()
	seen := map[protoreflect.FieldNumber]string{}
	oneofs := map[protoreflect.FullName]string{}
	for _, key := range slices.Sorted(mapKeys(obj)) {
		if key == "@type" && inAny {
			continue
		}
		fd := fields.ByJSONName(key)
		if fd == nil {
			fd = fields.ByTextName(key)
		}
		if fd == nil {
			text := fmt.Sprintf("unknown field %q", key)
			path := c.pathWith(key)
			envoy := fmt.Sprintf("Protobuf message (type %s reason INVALID_ARGUMENT:%s: Cannot find field.) has unknown fields", md.FullName(), key)
			if c.lenient {
				c.add(path, text+" (Envoy ignores it in dynamic config)", envoy, Info, KindUnknownField)
			} else {
				c.add(path, text, envoy, Error, KindJSON)
			}
			delete(obj, key)
			continue
		}
		name := string(fd.Name())
		if prev, dup := seen[fd.Number()]; dup {
			c.jsonErr(md.FullName(), name, fmt.Sprintf("field %s is given twice (as %q and %q)", name, prev, key))
			delete(obj, key)
			continue
		}
		seen[fd.Number()] = key
		v := obj[key]
		if v == nil {
			continue // null: the field is not set
		}
		if od := fd.ContainingOneof(); od != nil && !od.IsSynthetic() {
			if other, set := oneofs[od.FullName()]; set {
				c.jsonErr(md.FullName(), name, fmt.Sprintf("oneof %s is set twice (%s and %s)", od.Name(), other, name))
				delete(obj, key)
				continue
			}
			oneofs[od.FullName()] = name
		}
		if name == "typed_config" {
			c.extName, _ = obj["name"].(string)
		}
		c.push(name)
		keep := c.jsonField(fd, v, func(nv any) { obj[key] = nv })
		c.pop()
		if !keep {
			c.dropped[c.pathWith(name)] = true
			delete(obj, key)
		}
	}
}

func mapKeys(m map[string]any) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// jsonField checks the value of one field; false drops it. set replaces the value (a list or
// map whose bad elements were dropped).
func (c *checker) jsonField(fd protoreflect.FieldDescriptor, v any, set func(any)) bool {
	switch {
	case fd.IsMap():
		obj, ok := v.(map[string]any)
		if !ok {
			c.jsonErr("", "", fmt.Sprintf("a map must be a JSON object, not %s", jsonKind(v)))
			return false
		}
		for _, k := range slices.Sorted(mapKeys(obj)) {
			c.pushKey(k)
			ok := c.jsonMapKey(fd.MapKey(), k)
			if ok {
				ok = c.jsonSingle(fd.MapValue(), obj[k], func(nv any) { obj[k] = nv })
			}
			c.pop()
			if !ok {
				delete(obj, k)
			}
		}
		return true
	case fd.IsList():
		arr, ok := v.([]any)
		if !ok && v == nil {
			c.jsonErr("", "", fmt.Sprintf("a repeated field must be a JSON array, not %s", jsonKind(v)))
			return false
		}
		if !ok {
			// Envoy's JSON parser (protobuf C++) takes a single value for a repeated field as a
			// list of one, and Envoy's own example configs rely on it (tls_certificates: {...})
			arr = []any{v}
		}
		kept := arr[:0]
		for i, e := range arr {
			c.pushIndex(i)
			ok := e != nil || (fd.Message() != nil && fd.Message().FullName() == "google.protobuf.Value")
			if !ok {
				c.jsonErr("", "", "null is not allowed in a list")
			} else {
				ok = c.jsonSingle(fd, e, func(nv any) { e = nv })
			}
			c.pop()
			if ok {
				kept = append(kept, e)
			}
		}
		set(kept)
		return true
	}
	return c.jsonSingle(fd, v, set)
}

func (c *checker) jsonMapKey(fd protoreflect.FieldDescriptor, k string) bool {
	switch fd.Kind() {
	case protoreflect.StringKind:
		return true
	case protoreflect.BoolKind:
		if k == "true" || k == "false" {
			return true
		}
	default:
		if _, ok := intValue(json.Number(k), fd.Kind()); ok {
			return true
		}
	}
	c.jsonErr("", "", fmt.Sprintf("invalid map key %q for a %s key", k, kindName(fd.Kind())))
	return false
}

// jsonSingle checks one value of fd's type (an element, for a list).
func (c *checker) jsonSingle(fd protoreflect.FieldDescriptor, v any, set func(any)) bool {
	if md := fd.Message(); md != nil {
		return c.jsonMessageValue(md, v, set)
	}
	if fd.Enum() != nil {
		return c.jsonEnum(fd.Enum(), v, set)
	}
	return c.jsonScalar(fd.Kind(), v)
}

func (c *checker) jsonEnum(ed protoreflect.EnumDescriptor, v any, set func(any)) bool {
	if ed.FullName() == "google.protobuf.NullValue" && v == nil {
		return true
	}
	switch x := v.(type) {
	case string:
		if ed.Values().ByName(protoreflect.Name(x)) != nil {
			return true
		}
		// Envoy parses JSON and YAML with case_insensitive_enum_parsing: strict_dns is STRICT_DNS
		if up := strings.ToUpper(x); ed.Values().ByName(protoreflect.Name(up)) != nil {
			if set != nil {
				set(up) // what protojson, which is strict, decodes next
			}
			return true
		}
		c.jsonErr("", "", fmt.Sprintf("invalid value %q for enum %s", x, ed.FullName()))
		return false
	case json.Number:
		if _, ok := intValue(x, protoreflect.Int32Kind); ok {
			return true
		}
	}
	c.jsonErr("", "", fmt.Sprintf("invalid value %s for enum %s", jsonText(v), ed.FullName()))
	return false
}

// jsonScalar checks a JSON value for a scalar kind as protojson reads it.
func (c *checker) jsonScalar(kind protoreflect.Kind, v any) bool {
	ok := false
	switch kind {
	case protoreflect.BoolKind:
		_, ok = v.(bool)
	case protoreflect.StringKind:
		_, ok = v.(string)
	case protoreflect.BytesKind:
		if s, isStr := v.(string); isStr {
			ok = validBase64(s)
		}
	case protoreflect.FloatKind, protoreflect.DoubleKind:
		switch x := v.(type) {
		case json.Number:
			ok = floatOK(string(x), kind)
		case string:
			ok = x == "NaN" || x == "Infinity" || x == "-Infinity" || (strings.TrimSpace(x) == x && floatOK(x, kind))
		}
	default: // integers
		switch x := v.(type) {
		case json.Number:
			_, ok = intValue(x, kind)
		case string:
			_, ok = intValue(json.Number(x), kind)
		}
	}
	if !ok {
		c.jsonErr("", "", fmt.Sprintf("invalid value %s for type %s", jsonText(v), kindName(kind)))
	}
	return ok
}

func floatOK(s string, kind protoreflect.Kind) bool {
	bits := 64
	if kind == protoreflect.FloatKind {
		bits = 32
	}
	f, err := strconv.ParseFloat(s, bits)
	return err == nil && !math.IsInf(f, 0)
}

// intValue parses an integer of kind as protojson does: a JSON number or string, possibly in
// exponent form when the value is integral.
func intValue(n json.Number, kind protoreflect.Kind) (string, bool) {
	s := string(n)
	var lo, hi float64
	signed := true
	switch kind {
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
		lo, hi = math.MinInt32, math.MaxInt32
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		lo, hi, signed = 0, math.MaxUint32, false
	case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		if _, err := strconv.ParseUint(s, 10, 64); err == nil {
			return s, true
		}
		lo, hi, signed = 0, math.MaxUint64, false
	default:
		if _, err := strconv.ParseInt(s, 10, 64); err == nil {
			return s, true
		}
		lo, hi = math.MinInt64, math.MaxInt64
	}
	if signed {
		if i, err := strconv.ParseInt(s, 10, 64); err == nil {
			return s, float64(i) >= lo && float64(i) <= hi
		}
	} else if u, err := strconv.ParseUint(s, 10, 64); err == nil {
		return s, float64(u) <= hi
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != math.Trunc(f) || f < lo || f > hi || strings.TrimSpace(s) != s {
		return s, false
	}
	return s, true
}

func validBase64(s string) bool {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
		if _, err := enc.DecodeString(s); err == nil {
			return true
		}
	}
	return false
}

// wrapperKinds are the kinds the wrapper types' JSON forms hold.
var wrapperKinds = map[protoreflect.FullName]protoreflect.Kind{
	"google.protobuf.DoubleValue": protoreflect.DoubleKind,
	"google.protobuf.FloatValue":  protoreflect.FloatKind,
	"google.protobuf.Int64Value":  protoreflect.Int64Kind,
	"google.protobuf.UInt64Value": protoreflect.Uint64Kind,
	"google.protobuf.Int32Value":  protoreflect.Int32Kind,
	"google.protobuf.UInt32Value": protoreflect.Uint32Kind,
	"google.protobuf.BoolValue":   protoreflect.BoolKind,
	"google.protobuf.StringValue": protoreflect.StringKind,
	"google.protobuf.BytesValue":  protoreflect.BytesKind,
}

// jsonMessageValue checks the JSON of a message, well-known types in their special forms.
func (c *checker) jsonMessageValue(md protoreflect.MessageDescriptor, v any, set func(any)) bool {
	name := md.FullName()
	if k, ok := wrapperKinds[name]; ok {
		return c.jsonScalar(k, v)
	}
	switch name {
	case "google.protobuf.Duration":
		s, ok := v.(string)
		if !ok || !validDuration(s) {
			c.jsonErr("", "", fmt.Sprintf("invalid duration %s (want a number of seconds ending in \"s\", such as \"1.5s\")", jsonText(v)))
			return false
		}
		return true
	case "google.protobuf.Timestamp":
		s, ok := v.(string)
		if ok {
			if _, err := time.Parse(time.RFC3339Nano, s); err == nil {
				return true
			}
		}
		c.jsonErr("", "", fmt.Sprintf("invalid timestamp %s (want RFC 3339, such as \"2026-01-02T15:04:05Z\")", jsonText(v)))
		return false
	case "google.protobuf.FieldMask":
		if _, ok := v.(string); ok {
			return true
		}
		c.jsonErr("", "", fmt.Sprintf("invalid field mask %s (want a string)", jsonText(v)))
		return false
	case "google.protobuf.Value":
		return true
	case "google.protobuf.ListValue":
		if _, ok := v.([]any); ok {
			return true
		}
		c.jsonErr("", "", fmt.Sprintf("a google.protobuf.ListValue must be a JSON array, not %s", jsonKind(v)))
		return false
	case "google.protobuf.Struct":
		if _, ok := v.(map[string]any); ok {
			return true
		}
		c.jsonErr("", "", fmt.Sprintf("a google.protobuf.Struct must be a JSON object, not %s", jsonKind(v)))
		return false
	}
	obj, ok := v.(map[string]any)
	if !ok {
		c.jsonErr("", "", fmt.Sprintf("a %s must be a JSON object, not %s", md.Name(), jsonKind(v)))
		return false
	}
	if name == "google.protobuf.Any" {
		return c.jsonAny(obj, set)
	}
	c.jsonMessage(md, obj, false)
	return true
}

// jsonAny checks an Any: its "@type" names a type of the Envoy API (else Info, and the Any is
// replaced by an Empty one so that protojson can decode the rest), and its content is checked as
// that type.
func (c *checker) jsonAny(obj map[string]any, set func(any)) bool {
	t, has := obj["@type"]
	if !has {
		if len(obj) == 0 {
			return true
		}
		c.jsonErr("", "", `an Any must have an "@type"`)
		return false
	}
	url, ok := t.(string)
	if !ok || url == "" {
		c.jsonErr("", "", fmt.Sprintf(`invalid "@type" %s`, jsonText(t)))
		return false
	}
	md := envoydesc.FindMessageByURL(url)
	if md == nil {
		c.unknownType(url)
		set(map[string]any{"@type": emptyURL})
		return true
	}
	c.enterAny()
	defer c.leaveAny()
	if isSpecialJSON(md.FullName()) {
		for k := range obj {
			if k != "@type" && k != "value" {
				c.jsonErr("", "", fmt.Sprintf("unknown field %q in an Any of %s (its JSON has only \"value\")", k, md.FullName()))
				delete(obj, k)
			}
		}
		if val, has := obj["value"]; has {
			if !c.jsonMessageValue(md, val, func(nv any) { obj["value"] = nv }) {
				delete(obj, "value")
			}
		}
		return true
	}
	c.jsonMessage(md, obj, true)
	return true
}

const emptyURL = "type.googleapis.com/google.protobuf.Empty"

func isSpecialJSON(name protoreflect.FullName) bool {
	if _, ok := wrapperKinds[name]; ok {
		return true
	}
	switch name {
	case "google.protobuf.Duration", "google.protobuf.Timestamp", "google.protobuf.FieldMask",
		"google.protobuf.Value", "google.protobuf.ListValue", "google.protobuf.Struct", "google.protobuf.Any":
		return true
	}
	return false
}

// validDuration is protojson's duration syntax: an optional sign, seconds, up to nine
// fractional digits, "s"; within ±315576000000 s.
func validDuration(s string) bool {
	if !strings.HasSuffix(s, "s") {
		return false
	}
	num := strings.TrimPrefix(s[:len(s)-1], "-")
	intPart, frac, hasFrac := strings.Cut(num, ".")
	if intPart == "" && (!hasFrac || frac == "") {
		return false
	}
	if hasFrac && (len(frac) > 9 || frac == "" && intPart == "") {
		return false
	}
	for _, r := range intPart + frac {
		if r < '0' || r > '9' {
			return false
		}
	}
	if intPart == "" {
		return true
	}
	secs, err := strconv.ParseInt(intPart, 10, 64)
	return err == nil && secs <= 315576000000
}

func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

// jsonText is v as it appears in JSON, cut to 40 bytes.
func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	if len(b) > 40 {
		return string(b[:40]) + "…"
	}
	return string(b)
}

func kindName(k protoreflect.Kind) string {
	return "TYPE_" + strings.ToUpper(k.String())
}
