package configdiff

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
)

// obj is a canonical JSON object: members in display order ("@type" first, then proto fields by
// field number, then members no schema names, by name; map entries and Struct members by key).
// Canonical values are obj, []any, string, json.Number, bool and nil.
type obj struct {
	keys []string
	vals []any
}

func (o *obj) get(k string) (any, bool) {
	for i, key := range o.keys {
		if key == k {
			return o.vals[i], true
		}
	}
	return nil, false
}

func (o *obj) add(k string, v any) {
	o.keys = append(o.keys, k)
	o.vals = append(o.vals, v)
}

// MarshalJSON writes the object in its member order (for -o json's old and new values).
func (o *obj) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	writeCompact(&b, o)
	return b.Bytes(), nil
}

// writeCompact writes a canonical value as compact JSON, members in order.
func writeCompact(b *bytes.Buffer, v any) {
	switch t := v.(type) {
	case *obj:
		b.WriteByte('{')
		for i, k := range t.keys {
			if i > 0 {
				b.WriteByte(',')
			}
			writeString(b, k)
			b.WriteByte(':')
			writeCompact(b, t.vals[i])
		}
		b.WriteByte('}')
	case []any:
		b.WriteByte('[')
		for i, e := range t {
			if i > 0 {
				b.WriteByte(',')
			}
			writeCompact(b, e)
		}
		b.WriteByte(']')
	default:
		writeScalar(b, v)
	}
}

func writeScalar(b *bytes.Buffer, v any) {
	switch t := v.(type) {
	case string:
		writeString(b, t)
	case json.Number:
		b.WriteString(t.String())
	case bool:
		b.WriteString(strconv.FormatBool(t))
	case nil:
		b.WriteString("null")
	default:
		// not produced by the canonicalizer; kept encodable all the same
		j, _ := json.Marshal(t)
		b.Write(j)
	}
}

func writeString(b *bytes.Buffer, s string) {
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	b.Truncate(b.Len() - 1) // Encode's newline
}

func compact(v any) string {
	var b bytes.Buffer
	writeCompact(&b, v)
	return b.String()
}

// writeIndented writes a canonical value as JSON indented by two spaces, members in order.
func writeIndented(b *bytes.Buffer, v any, depth int) {
	nl := func(d int) {
		b.WriteByte('\n')
		for range d {
			b.WriteString("  ")
		}
	}
	switch t := v.(type) {
	case *obj:
		if len(t.keys) == 0 {
			b.WriteString("{}")
			return
		}
		b.WriteByte('{')
		for i, k := range t.keys {
			if i > 0 {
				b.WriteByte(',')
			}
			nl(depth + 1)
			writeString(b, k)
			b.WriteString(": ")
			writeIndented(b, t.vals[i], depth+1)
		}
		nl(depth)
		b.WriteByte('}')
	case []any:
		if len(t) == 0 {
			b.WriteString("[]")
			return
		}
		b.WriteByte('[')
		for i, e := range t {
			if i > 0 {
				b.WriteByte(',')
			}
			nl(depth + 1)
			writeIndented(b, e, depth+1)
		}
		nl(depth)
		b.WriteByte(']')
	default:
		writeScalar(b, v)
	}
}

func prettyJSON(v any) string {
	var b bytes.Buffer
	writeIndented(&b, v, 0)
	b.WriteByte('\n')
	return b.String()
}

// prettyYAML writes a canonical value as block YAML, members in order. Strings that YAML would
// read as something else (numbers, booleans, null, or with YAML syntax in them) are written
// double-quoted, with JSON's escapes (a subset of YAML's).
func prettyYAML(v any) string {
	var b bytes.Buffer
	switch t := v.(type) {
	case *obj:
		if len(t.keys) == 0 {
			b.WriteString("{}\n")
		} else {
			writeYAMLObj(&b, t, 0)
		}
	case []any:
		if len(t) == 0 {
			b.WriteString("[]\n")
		} else {
			writeYAMLList(&b, t, 0)
		}
	default:
		writeYAMLScalar(&b, v)
		b.WriteByte('\n')
	}
	return b.String()
}

func indent(b *bytes.Buffer, n int) {
	for range n {
		b.WriteByte(' ')
	}
}

// writeYAMLObj writes the members, the first without indentation (the caller placed it) and the
// others at ind spaces.
func writeYAMLObj(b *bytes.Buffer, o *obj, ind int) {
	for i, k := range o.keys {
		if i > 0 {
			indent(b, ind)
		}
		writeYAMLKey(b, k)
		b.WriteByte(':')
		writeYAMLChild(b, o.vals[i], ind+2, ind)
	}
}

// writeYAMLChild writes a member's or item's value after its "key:" or "-": nested blocks on the
// next lines, scalars on the same line. A list under a key is written at the key's indentation,
// as kubectl writes YAML.
func writeYAMLChild(b *bytes.Buffer, v any, objInd, listInd int) {
	switch t := v.(type) {
	case *obj:
		if len(t.keys) == 0 {
			b.WriteString(" {}\n")
			return
		}
		b.WriteByte('\n')
		indent(b, objInd)
		writeYAMLObj(b, t, objInd)
	case []any:
		if len(t) == 0 {
			b.WriteString(" []\n")
			return
		}
		b.WriteByte('\n')
		indent(b, listInd)
		writeYAMLList(b, t, listInd)
	default:
		b.WriteByte(' ')
		writeYAMLScalar(b, v)
		b.WriteByte('\n')
	}
}

func writeYAMLList(b *bytes.Buffer, l []any, ind int) {
	for i, e := range l {
		if i > 0 {
			indent(b, ind)
		}
		b.WriteByte('-')
		switch t := e.(type) {
		case *obj:
			if len(t.keys) == 0 {
				b.WriteString(" {}\n")
				continue
			}
			b.WriteByte(' ')
			writeYAMLObj(b, t, ind+2)
		case []any:
			if len(t) == 0 {
				b.WriteString(" []\n")
				continue
			}
			b.WriteByte(' ')
			writeYAMLList(b, t, ind+2)
		default:
			b.WriteByte(' ')
			writeYAMLScalar(b, e)
			b.WriteByte('\n')
		}
	}
}

func writeYAMLKey(b *bytes.Buffer, k string) {
	if plainYAML(k) {
		b.WriteString(k)
		return
	}
	writeString(b, k)
}

func writeYAMLScalar(b *bytes.Buffer, v any) {
	if s, ok := v.(string); ok && plainYAML(s) {
		b.WriteString(s)
		return
	}
	writeScalar(b, v)
}

// plainYAML tells whether s can be written unquoted and still read back as the same string.
func plainYAML(s string) bool {
	if s == "" || s[0] == ' ' || s[len(s)-1] == ' ' {
		return false
	}
	switch strings.ToLower(s) {
	case "true", "false", "yes", "no", "on", "off", "y", "n", "null", "~", ".nan", ".inf", "-.inf", "+.inf", "<<":
		return false
	}
	if strings.ContainsAny(s[:1], "-?:,[]{}#&*!|>'\"%@`") && !(s[0] == '-' && len(s) > 1 && s[1] != ' ' && !isDigit(s[1]) && s[1] != '.') {
		return false // an indicator
	}
	if onlyNumberChars(s) || (len(s) >= 5 && isDigit(s[0]) && s[4] == '-') {
		return false // could read as a number, a date or a timestamp
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c == 0x7f || c == '"' || c == '\\' {
			return false
		}
		if (c == ':' || c == '#') && (i+1 == len(s) || s[i+1] == ' ' || s[i-1] == ' ') {
			return false
		}
		if c == ' ' && i+1 < len(s) && s[i+1] == '#' {
			return false
		}
	}
	return true
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// onlyNumberChars tells whether s has only characters YAML numbers are made of (digits, signs,
// dots, underscores, colons, exponents, hex, octal and binary prefixes).
func onlyNumberChars(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || strings.IndexByte("+-._:xXoO", c) >= 0) {
			return false
		}
	}
	return true
}
