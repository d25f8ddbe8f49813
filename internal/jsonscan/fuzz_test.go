package jsonscan

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// seeds are the smaller shared dumps (whole) plus shapes the scanner must get right.
func addSeeds(f *testing.F) {
	paths, _ := filepath.Glob("../../testdata/dumps/*/*.json")
	for _, p := range paths {
		if st, err := os.Stat(p); err == nil && st.Size() < 16<<10 {
			data, err := os.ReadFile(p)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data)
		}
	}
	for _, s := range []string{`{}`, `[]`, `{"a":[1,{"b":"c\"d"}],"e":null}`, `"x"`, `-1.5e3`, `[[[[]]]]`,
		`{"a":"\\"}`, `{"configs":[{"@type":"t"}]`, "{\"a\":\"\\u00e9\"}", ` { "k" : [ true , false ] } `} {
		f.Add([]byte(s))
	}
}

// FuzzParse: no input makes the scanner panic or loop; a document encoding/json accepts is
// accepted and walked to the same tree, indexed, not indexed and lazily.
func FuzzParse(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		root, err := Parse(data)
		exercise(root, 0)
		exercise(New(data), 0)
		if r, lerr := NewLazy(data); lerr == nil {
			for r.Next() {
				_ = r.Key()
				exercise(r.Peek(), 8) // runs to the end of the document: only its first members
				if r.Count()%2 == 0 {
					v, _ := r.Value(true)
					exercise(v, 0)
				}
			}
		}
		if !json.Valid(data) {
			return
		}
		if err != nil {
			t.Fatalf("encoding/json accepts %q, Parse says %v", data, err)
		}
		var want any
		d := json.NewDecoder(bytes.NewReader(data))
		d.UseNumber()
		if err := d.Decode(&want); err != nil {
			t.Fatal(err)
		}
		got := plain(root)
		wantJSON, _ := json.Marshal(want)
		gotJSON, _ := json.Marshal(got)
		if string(wantJSON) != string(gotJSON) {
			t.Fatalf("walk differs:\nencoding/json %s\njsonscan      %s", wantJSON, gotJSON)
		}
	})
}

// exercise calls every accessor on v and its members (at most limit members per level when limit > 0).
func exercise(v Value, limit int) {
	_ = v.Kind()
	_ = v.Str()
	_ = v.Text()
	_, _ = v.Int()
	_ = v.Bool()
	_ = v.Len()
	_ = v.Strings()
	_ = v.Get("a", "b")
	_ = v.Index(1)
	n := 0
	_ = v.Fields(func(k []byte, f Value) bool {
		_ = KeyIs(k, "some_key")
		exercise(f, limit)
		n++
		return limit == 0 || n < limit
	})
	_ = v.Items(func(_ int, e Value) bool {
		exercise(e, limit)
		n++
		return limit == 0 || n < limit
	})
	_, _ = Indexed(v)
}

// plain converts a Value the way encoding/json decodes into any.
func plain(v Value) any {
	switch v.Kind() {
	case Object:
		m := map[string]any{}
		_ = v.Fields(func(k []byte, f Value) bool {
			var key string
			_ = json.Unmarshal(append(append([]byte{'"'}, k...), '"'), &key)
			m[key] = plain(f)
			return true
		})
		return m
	case Array:
		a := []any{}
		_ = v.Items(func(_ int, e Value) bool {
			a = append(a, plain(e))
			return true
		})
		return a
	}
	var x any
	d := json.NewDecoder(bytes.NewReader(v.Raw()))
	d.UseNumber()
	_ = d.Decode(&x)
	return x
}
