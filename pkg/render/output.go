package render

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/itchyny/gojq"
	"sigs.k8s.io/yaml"

	"github.com/xdsctl/xdsctl/internal/jsonscan"
)

// JSONArray joins items (each one JSON value) into one indented JSON array, stable as given.
func JSONArray(items []json.RawMessage) ([]byte, error) {
	n := 2 + len(items)
	for _, it := range items {
		n += len(it)
	}
	var b bytes.Buffer
	b.Grow(n) // one allocation: growing doubles and copies (hundreds of MB for a 100 MB dump)
	b.WriteByte('[')
	for i, it := range items {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(it)
	}
	b.WriteByte(']')
	return Indent(b.Bytes())
}

// Indent re-indents JSON with two spaces, keeping key order, as encoding/json.Indent does (with
// jsonscan's faster indenter; encoding/json says what is wrong with invalid JSON).
func Indent(data []byte) ([]byte, error) {
	// Indented Envoy JSON is up to ~2.6 times its compact size (listeners, deeply nested). Capacity
	// that is never written costs no memory (fresh pages are only mapped when touched); growing the
	// slice copies all of it, for a 100 MB dump hundreds of MB.
	out, err := jsonscan.AppendIndent(make([]byte, 0, 3*len(data)+1), data, "  ")
	if err != nil {
		var b bytes.Buffer
		if err := json.Indent(&b, data, "", "  "); err != nil {
			return nil, fmt.Errorf("render JSON: %w", err)
		}
		out = b.Bytes()
	}
	return append(out, '\n'), nil
}

// WriteJSON writes indented JSON.
func WriteJSON(w io.Writer, data []byte) error {
	out, err := Indent(data)
	if err != nil {
		return err
	}
	_, err = w.Write(out)
	return err
}

// WriteYAML writes JSON data as YAML.
func WriteYAML(w io.Writer, data []byte) error {
	out, err := yaml.JSONToYAML(data)
	if err != nil {
		return fmt.Errorf("render YAML: %w", err)
	}
	_, err = w.Write(out)
	return err
}

// WriteAs writes JSON data the way the user asked: the results of code when there is a --jq
// expression, YAML for format "yaml", indented JSON otherwise.
func WriteAs(w io.Writer, data []byte, format string, code *gojq.Code) error {
	switch {
	case code != nil:
		return WriteJQ(w, code, data)
	case format == "yaml":
		return WriteYAML(w, data)
	default:
		return WriteJSON(w, data)
	}
}

// CompileJQ parses a jq expression, so a bad one is reported before any work is done.
func CompileJQ(expr string) (*gojq.Code, error) {
	q, err := gojq.Parse(expr)
	if err != nil {
		return nil, fmt.Errorf("--jq %q: %w", expr, err)
	}
	code, err := gojq.Compile(q)
	if err != nil {
		return nil, fmt.Errorf("--jq %q: %w", expr, err)
	}
	return code, nil
}

// WriteJQ runs code over the JSON data and prints each result: strings as raw text (like jq -r),
// everything else as indented JSON.
func WriteJQ(w io.Writer, code *gojq.Code, data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return fmt.Errorf("--jq: %w", err)
	}
	v = numbersForJQ(v)
	iter := code.Run(v)
	for {
		r, ok := iter.Next()
		if !ok {
			return nil
		}
		if err, isErr := r.(error); isErr {
			var halt *gojq.HaltError
			if asHalt(err, &halt) && halt.Value() == nil {
				return nil
			}
			return fmt.Errorf("--jq: %w", err)
		}
		if s, isStr := r.(string); isStr {
			if _, err := io.WriteString(w, s+"\n"); err != nil {
				return err
			}
			continue
		}
		out, err := gojq.Marshal(r)
		if err != nil {
			return fmt.Errorf("--jq: %w", err)
		}
		ind, err := Indent(out)
		if err != nil {
			return err
		}
		if _, err := w.Write(ind); err != nil {
			return err
		}
	}
}

func asHalt(err error, target **gojq.HaltError) bool {
	h, ok := err.(*gojq.HaltError) //nolint:errorlint // gojq returns it unwrapped
	if ok {
		*target = h
	}
	return ok
}

// numbersForJQ turns json.Number into the int or float64 gojq works with.
func numbersForJQ(v any) any {
	switch t := v.(type) {
	case json.Number:
		if i, err := t.Int64(); err == nil {
			return int(i)
		}
		if f, err := t.Float64(); err == nil {
			return f
		}
		return t.String()
	case []any:
		for i := range t {
			t[i] = numbersForJQ(t[i])
		}
	case map[string]any:
		for k := range t {
			t[k] = numbersForJQ(t[k])
		}
	}
	return v
}

// Dash returns "-" for an empty cell (for wide columns; short tables keep istioctl's blanks).
func Dash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "-"
	}
	return s
}

// Items is a list of JSON values made one at a time, so that -o json of a big dump streams:
// each value is made (normalized), indented, written and dropped before the next, instead of
// building the compact and the indented document of every resource in memory.
type Items struct {
	N    int
	Item func(i int) ([]byte, error) // the i-th value; nil or empty values are left out
}

// ItemsOf is Items over values already made.
func ItemsOf(values []json.RawMessage) Items {
	return Items{N: len(values), Item: func(i int) ([]byte, error) { return values[i], nil }}
}

// Collect makes every value (for jq, YAML and multi-proxy output, which need the whole document).
func (it Items) Collect() ([]json.RawMessage, error) {
	out := make([]json.RawMessage, 0, it.N)
	for i := 0; i < it.N; i++ {
		v, err := it.Item(i)
		if err != nil {
			return nil, err
		}
		if len(v) > 0 {
			out = append(out, v)
		}
	}
	return out, nil
}

// WriteJSONArray writes the values as one indented JSON array, byte for byte what JSONArray
// gives for the same values, holding one value at a time.
func WriteJSONArray(w io.Writer, it Items) error {
	bw := bufio.NewWriterSize(w, 256<<10)
	var buf []byte
	n := 0
	for i := 0; i < it.N; i++ {
		v, err := it.Item(i)
		if err != nil {
			return err
		}
		if len(v) == 0 {
			continue
		}
		if buf, err = indentValue(buf[:0], bytes.TrimSpace(v)); err != nil {
			return err
		}
		if n == 0 {
			_, _ = bw.WriteString("[\n  ")
		} else {
			_, _ = bw.WriteString(",\n  ")
		}
		n++
		_, _ = bw.Write(buf)
	}
	if n == 0 {
		_, _ = bw.WriteString("[]\n")
	} else {
		_, _ = bw.WriteString("\n]\n")
	}
	return bw.Flush()
}

// indentValue appends v indented with two spaces as an element of an array (no final newline).
func indentValue(dst, v []byte) ([]byte, error) {
	out, err := jsonscan.AppendIndentAt(dst, v, "  ", 1)
	if err != nil {
		var b bytes.Buffer
		if err := json.Indent(&b, v, "  ", "  "); err != nil {
			return nil, fmt.Errorf("render JSON: %w", err)
		}
		out = append(dst, b.Bytes()...)
	}
	return out, nil
}
