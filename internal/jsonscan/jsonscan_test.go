package jsonscan

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// dumps returns the shared real dumps (testdata/dumps) by name.
func dumps(t testing.TB) map[string][]byte {
	t.Helper()
	paths, err := filepath.Glob("../../testdata/dumps/*/*.json")
	require.NoError(t, err)
	require.NotEmpty(t, paths)
	out := map[string][]byte{}
	for _, p := range paths {
		data, err := os.ReadFile(p)
		require.NoError(t, err)
		out[filepath.Base(p)] = data
	}
	return out
}

// tree turns a Value into the Go values encoding/json decodes to (numbers as json.Number), by
// walking it with Fields and Items: it is what the views see.
func tree(t testing.TB, v Value) any {
	t.Helper()
	switch v.Kind() {
	case Object:
		m := map[string]any{}
		require.NoError(t, v.Fields(func(k []byte, f Value) bool {
			var key string
			require.NoError(t, json.Unmarshal(append(append([]byte{'"'}, k...), '"'), &key))
			m[key] = tree(t, f)
			return true
		}))
		return m
	case Array:
		a := []any{}
		require.NoError(t, v.Items(func(_ int, e Value) bool {
			a = append(a, tree(t, e))
			return true
		}))
		return a
	case String:
		var s string
		require.NoError(t, json.Unmarshal(v.Raw(), &s))
		assert.Equal(t, s, v.Str())
		return s
	case Number:
		return json.Number(v.Raw())
	case Bool:
		return v.Bool()
	case Null:
		return nil
	}
	t.Fatalf("unexpected kind %s for %q", v.Kind(), v.Raw())
	return nil
}

func decode(t testing.TB, data []byte) any {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	var out any
	require.NoError(t, d.Decode(&out))
	return out
}

// TestWalkMatchesEncodingJSON walks every shared dump through the index (Parse), without it
// (New) and lazily (NewLazy + Value), and compares with encoding/json.
func TestWalkMatchesEncodingJSON(t *testing.T) {
	for name, data := range dumps(t) {
		t.Run(name, func(t *testing.T) {
			want := decode(t, data)
			root, err := Parse(data)
			require.NoError(t, err)
			require.NotNil(t, root.idx)
			assert.Equal(t, want, tree(t, root), "indexed")
			assert.Equal(t, want, tree(t, New(data)), "not indexed")

			r, err := NewLazy(data)
			require.NoError(t, err)
			lazy := map[string]any{}
			for r.Next() {
				v, err := r.Value(r.Count()%2 == 0)
				require.NoError(t, err)
				var key string
				require.NoError(t, json.Unmarshal(append(append([]byte{'"'}, r.Key()...), '"'), &key))
				lazy[key] = tree(t, v)
			}
			require.NoError(t, r.Err())
			assert.Equal(t, want, lazy, "lazy")

			// one member at a time through a reused scratch index, kept detached
			var s Scratch
			r, err = NewLazy(data)
			require.NoError(t, err)
			scratch := map[string]any{}
			kept := map[string]Value{}
			for r.Next() {
				v, err := r.ValueScratch(&s)
				require.NoError(t, err)
				key := string(r.Key())
				scratch[key] = tree(t, v)
				kept[key] = Detach(v)
			}
			require.NoError(t, r.Err())
			assert.Equal(t, want.(map[string]any)["configs"], scratch["configs"], "scratch")
			for k, v := range kept { // valid after the scratch was reused
				assert.Equal(t, scratch[k], tree(t, v), k)
			}
			w, err := s.Index(New(data))
			require.NoError(t, err)
			assert.Equal(t, want, tree(t, w), "scratch Index")
		})
	}
}

// TestIndexCursor checks that an indexed walk really uses the index for large composites and
// finds the same ends as scanning.
func TestIndexCursor(t *testing.T) {
	data := dumps(t)["template-sidecar.json"]
	root, err := Parse(data)
	require.NoError(t, err)
	require.Greater(t, len(root.idx.pairs), 10)
	assert.Equal(t, int32(1), root.ix, "the root is the first slot")
	var walk func(v Value) int
	walk = func(v Value) int {
		n := 0
		check := func(c Value) {
			if c.ix > 0 {
				n++
				p := root.idx.pairs[c.ix-1]
				assert.Equal(t, int32(c.off), p.open)
				end, err := scanComposite(data, c.off, nil, 0)
				require.NoError(t, err)
				assert.Equal(t, end, int(p.close))
			} else if k := c.Kind(); k == Object || k == Array {
				assert.Less(t, len(c.Raw()), indexMin, "a large composite without its slot")
			}
			n += walk(c)
		}
		_ = v.Fields(func(_ []byte, c Value) bool { check(c); return true })
		_ = v.Items(func(_ int, c Value) bool { check(c); return true })
		return n
	}
	assert.Equal(t, len(root.idx.pairs)-1, walk(root), "every slot is reached by walking")
}

func TestSyntaxErrors(t *testing.T) {
	tests := []struct {
		in  string
		msg string
		eof bool
	}{
		{"", "empty document", true},
		{"   \n", "empty document", true},
		{`{"a": [1, 2}`, "unexpected }", false},
		{`{"a": 1]`, "unexpected ]", false},
		{`{"a": "b`, "unterminated string", true},
		{`{"a": "b\"}`, "unterminated string", true},
		{`{"a": {"b": [`, "unexpected end of input", true},
		{`{"a": 1} x`, "unexpected data after the top-level value", false},
		{`]`, `invalid character ']'`, false},
		{`tru`, "truncated literal", true},
		{`-`, "invalid number", false},
		{strings.Repeat("[", maxDepth+1), "nesting too deep", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			_, err := Parse([]byte(tt.in))
			var se *SyntaxError
			require.True(t, errors.As(err, &se), "%v", err)
			assert.Contains(t, se.Msg, tt.msg)
			assert.Equal(t, tt.eof, se.EOF)
		})
	}
}

// TestEveryPrefix cuts a dump at every byte: Parse and the lazy reader must fail cleanly (EOF)
// and the lazy reader must return the members that are complete.
func TestEveryPrefix(t *testing.T) {
	data := dumps(t)["writer__envoy__configdump__ecds__configdump.json"]
	data = bytes.TrimSpace(data)
	full := decode(t, data).(map[string]any)["configs"].([]any)
	for n := 0; n < len(data); n++ {
		cut := data[:n]
		_, err := Parse(cut)
		var se *SyntaxError
		require.True(t, errors.As(err, &se), "prefix %d: %v", n, err)
		require.True(t, se.EOF, "prefix %d: %v", n, err)

		r, err := NewLazy(cut)
		if n == 0 {
			require.Error(t, err)
			continue
		}
		require.NoError(t, err)
		got := 0
		for r.Next() {
			if !KeyIs(r.Key(), "configs") {
				continue
			}
			c, err := r.Enter()
			require.NoError(t, err)
			for c.Next() {
				if v, err := c.Value(true); err == nil {
					assert.Equal(t, full[got], tree(t, v))
					got++
				}
			}
			r = c
			break
		}
		if r.Err() == nil { // only the final } can be missing
			assert.Equal(t, len(full), got, "prefix %d", n)
			trimmed := bytes.TrimSpace(cut)
			assert.Equal(t, byte(']'), trimmed[len(trimmed)-1], "prefix %d", n)
		}
	}
}

func TestKeyIs(t *testing.T) {
	tests := []struct {
		key, snake string
		want       bool
	}{
		{"dynamic_active_clusters", "dynamic_active_clusters", true},
		{"dynamicActiveClusters", "dynamic_active_clusters", true},
		{"portValue", "port_value", true},
		{"ipv4Compat", "ipv4_compat", true},
		{"h2Options", "h2_options", true},
		{"name", "name", true},
		{"Name", "name", false},
		{"names", "name", false},
		{"nam", "name", false},
		{"dynamicactiveclusters", "dynamic_active_clusters", false},
		{"dynamic_activeClusters", "dynamic_active_clusters", true},
		{"", "name", false},
		{"@type", "@type", true},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, KeyIs([]byte(tt.key), tt.snake), "%s vs %s", tt.key, tt.snake)
	}
}

func TestAccessors(t *testing.T) {
	v, err := Parse([]byte(`{"s":"a\u0041\n","n":-12,"q":"9007199254740993","f":1.5,"e":1e3,"t":true,"z":null,
		"arr":["x",2,false],"o":{"portValue":80}}`))
	require.NoError(t, err)
	assert.Equal(t, "aA\n", v.Get("s").Str())
	assert.False(t, v.Get("s").StrIs("aA\n"), "StrIs compares as written")
	assert.True(t, v.Get("arr").Index(0).StrIs("x"))
	n, ok := v.Get("n").Int()
	assert.True(t, ok)
	assert.Equal(t, int64(-12), n)
	n, ok = v.Get("q").Int()
	assert.True(t, ok)
	assert.Equal(t, int64(9007199254740993), n)
	_, ok = v.Get("f").Int()
	assert.False(t, ok)
	n, ok = v.Get("e").Int()
	assert.True(t, ok)
	assert.Equal(t, int64(1000), n)
	assert.True(t, v.Get("t").Bool())
	assert.True(t, v.Get("z").IsNull())
	assert.Equal(t, []string{"x", "2", "false"}, v.Get("arr").Strings())
	assert.Equal(t, 3, v.Get("arr").Len())
	assert.Equal(t, 9, v.Len())
	p, ok := v.Get("o", "port_value").Int()
	assert.True(t, ok)
	assert.Equal(t, int64(80), p)
	assert.False(t, v.Get("missing", "x").Exists())
	assert.Equal(t, Missing, v.Get("arr").Index(5).Kind())
	assert.Equal(t, "-12", v.Get("n").Text())
	assert.Equal(t, "", v.Get("o").Text())
}

func TestIndexed(t *testing.T) {
	data := dumps(t)["authz__configdump.json"]
	v := New(data)
	require.Nil(t, v.idx)
	w, err := Indexed(v)
	require.NoError(t, err)
	require.NotNil(t, w.idx)
	assert.Equal(t, decode(t, data), tree(t, w))
	_, err = Indexed(New([]byte(`{"a": [}`)))
	assert.Error(t, err)
}

func TestLazyPeek(t *testing.T) {
	doc := []byte(`{"configs": [{"@type": "x.A", "big": [1,2,3]}, {"@type": "x.B"}], "after": 1`) // cut short
	r, err := NewLazy(doc)
	require.NoError(t, err)
	require.True(t, r.Next())
	assert.Equal(t, "configs", string(r.Key()))
	c, err := r.Enter()
	require.NoError(t, err)
	var types []string
	for c.Next() {
		types = append(types, c.Peek().Get("@type").Str())
	}
	require.NoError(t, c.Err())
	assert.Equal(t, []string{"x.A", "x.B"}, types)
	assert.Equal(t, 2, c.Count())
	assert.False(t, r.Next(), "the parent is done once entered")

	_, err = NewLazy([]byte(`"a string"`))
	assert.Error(t, err)
}
