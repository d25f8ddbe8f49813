package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
)

// obj is a JSON object that keeps its keys in order, so that pieces taken from real Envoy dumps
// keep the field order Envoy printed them in.
type obj struct{ fields []field }

type field struct {
	k string
	v any
}

// o builds an object from alternating keys and values.
func o(kv ...any) *obj {
	m := &obj{}
	for i := 0; i+1 < len(kv); i += 2 {
		m.set(kv[i].(string), kv[i+1])
	}
	return m
}

func (m *obj) get(k string) any {
	for _, f := range m.fields {
		if f.k == k {
			return f.v
		}
	}
	return nil
}

// set replaces the value of k in place, or appends k.
func (m *obj) set(k string, v any) *obj {
	for i := range m.fields {
		if m.fields[i].k == k {
			m.fields[i].v = v
			return m
		}
	}
	m.fields = append(m.fields, field{k, v})
	return m
}

func (m *obj) del(k string) {
	for i := range m.fields {
		if m.fields[i].k == k {
			m.fields = append(m.fields[:i], m.fields[i+1:]...)
			return
		}
	}
}

// at follows keys (string) and indexes (int) from v; nil when the path is absent.
func at(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(*obj)
			if !ok {
				return nil
			}
			v = m.get(k)
		case int:
			a, ok := v.([]any)
			if !ok || k >= len(a) {
				return nil
			}
			v = a[k]
		}
	}
	return v
}

func atObj(v any, path ...any) *obj {
	m, _ := at(v, path...).(*obj)
	if m == nil {
		panic(fmt.Sprintf("no object at %v", path))
	}
	return m
}

func atList(v any, path ...any) []any {
	a, _ := at(v, path...).([]any)
	return a
}

func atStr(v any, path ...any) string {
	s, _ := at(v, path...).(string)
	return s
}

// clone deep-copies a decoded value.
func clone(v any) any {
	switch t := v.(type) {
	case *obj:
		c := &obj{fields: make([]field, len(t.fields))}
		for i, f := range t.fields {
			c.fields[i] = field{f.k, clone(f.v)}
		}
		return c
	case []any:
		c := make([]any, len(t))
		for i := range t {
			c[i] = clone(t[i])
		}
		return c
	}
	return v
}

func cloneObj(m *obj) *obj { return clone(m).(*obj) }

// mapStrings rewrites every string value (not keys) under v.
func mapStrings(v any, fn func(string) string) any {
	switch t := v.(type) {
	case *obj:
		for i := range t.fields {
			t.fields[i].v = mapStrings(t.fields[i].v, fn)
		}
	case []any:
		for i := range t {
			t[i] = mapStrings(t[i], fn)
		}
	case string:
		return fn(t)
	}
	return v
}

// decode reads one JSON document keeping key order; numbers stay json.Number.
func decode(data []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	v, err := decodeValue(d)
	if err != nil {
		return nil, err
	}
	if _, err := d.Token(); err != io.EOF {
		return nil, fmt.Errorf("trailing data after the document")
	}
	return v, nil
}

func decodeValue(d *json.Decoder) (any, error) {
	t, err := d.Token()
	if err != nil {
		return nil, err
	}
	switch t {
	case json.Delim('{'):
		m := &obj{}
		for d.More() {
			kt, err := d.Token()
			if err != nil {
				return nil, err
			}
			v, err := decodeValue(d)
			if err != nil {
				return nil, err
			}
			m.fields = append(m.fields, field{kt.(string), v})
		}
		_, err := d.Token()
		return m, err
	case json.Delim('['):
		a := []any{}
		for d.More() {
			v, err := decodeValue(d)
			if err != nil {
				return nil, err
			}
			a = append(a, v)
		}
		_, err := d.Token()
		return a, err
	}
	return t, nil
}

// encode writes v indented by two spaces, as Envoy's admin API prints JSON.
func encode(w *bytes.Buffer, v any, indent string) {
	switch t := v.(type) {
	case *obj:
		if len(t.fields) == 0 {
			w.WriteString("{}")
			return
		}
		w.WriteString("{\n")
		for i, f := range t.fields {
			w.WriteString(indent + "  ")
			writeString(w, f.k)
			w.WriteString(": ")
			encode(w, f.v, indent+"  ")
			if i < len(t.fields)-1 {
				w.WriteByte(',')
			}
			w.WriteByte('\n')
		}
		w.WriteString(indent + "}")
	case []any:
		if len(t) == 0 {
			w.WriteString("[]")
			return
		}
		w.WriteString("[\n")
		for i, e := range t {
			w.WriteString(indent + "  ")
			encode(w, e, indent+"  ")
			if i < len(t)-1 {
				w.WriteByte(',')
			}
			w.WriteByte('\n')
		}
		w.WriteString(indent + "]")
	case string:
		writeString(w, t)
	case json.Number:
		w.WriteString(string(t))
	case int:
		w.WriteString(strconv.Itoa(t))
	case int64:
		w.WriteString(strconv.FormatInt(t, 10))
	case bool:
		w.WriteString(strconv.FormatBool(t))
	case nil:
		w.WriteString("null")
	default:
		panic(fmt.Sprintf("encode: unexpected %T", v))
	}
}

func writeString(w *bytes.Buffer, s string) {
	var b bytes.Buffer
	e := json.NewEncoder(&b)
	e.SetEscapeHTML(false)
	_ = e.Encode(s)
	w.Write(bytes.TrimSuffix(b.Bytes(), []byte("\n")))
}
