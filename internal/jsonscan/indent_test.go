package jsonscan

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func stdIndent(t testing.TB, src []byte, indent string) []byte {
	var b bytes.Buffer
	require.NoError(t, json.Indent(&b, src, "", indent))
	return b.Bytes()
}

func TestAppendIndentMatchesEncodingJSON(t *testing.T) {
	cases := map[string][]byte{
		"empty containers": []byte(`{"a":{},"b":[],"c":[{}],"d":{"e":[]}}`),
		"scalars":          []byte(` [ 1 , -2.5e+3 , true , false , null , "x" ] `),
		"escapes":          []byte(`{"a\"b":"c\\","\u00e9":"\n\t"}`),
		"top-level string": []byte(`"s"`),
		"top-level number": []byte("\n 42 \n"),
		"nested":           []byte(`[[[[1]],[2,[]]],{"k":{"k":{"k":[null]}}}]`),
	}
	for name, data := range dumps(t) {
		cases[name] = data
	}
	for name, src := range cases {
		for _, indent := range []string{"  ", "\t", ""} {
			got, err := AppendIndent(nil, src, indent)
			require.NoError(t, err, name)
			assert.Equal(t, string(stdIndent(t, src, indent)), string(got), name)
		}
	}
	for name, src := range cases { // nested base levels deep: encoding/json's prefix
		for base, prefix := range []string{"", "  ", "    "} {
			got, err := AppendIndentAt(nil, src, "  ", base)
			require.NoError(t, err, name)
			var want bytes.Buffer
			require.NoError(t, json.Indent(&want, src, prefix, "  "))
			assert.Equal(t, want.String(), string(got), "%s at %d", name, base)
		}
	}
	_, err := AppendIndent(nil, []byte(`{"a":[1}`), "  ")
	assert.Error(t, err)
	_, err = AppendIndent(nil, []byte(`{"a":"unterminated`), "  ")
	assert.Error(t, err)
}

func FuzzAppendIndent(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := AppendIndent(nil, data, "  ")
		if !json.Valid(data) {
			return
		}
		if err != nil {
			t.Fatalf("valid %q: %v", data, err)
		}
		var want bytes.Buffer
		if err := json.Indent(&want, data, "", "  "); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(want.Bytes(), got) {
			t.Fatalf("%q:\nencoding/json %q\njsonscan      %q", data, want.Bytes(), got)
		}
	})
}

func BenchmarkAppendIndent(b *testing.B) {
	forInputs(b, func(b *testing.B, data []byte) {
		var compact bytes.Buffer
		if err := json.Compact(&compact, data); err != nil {
			b.Fatal(err)
		}
		src := compact.Bytes()
		// the output buffers are allocated and written once before timing: on this VM faulting in
		// 200 MB of fresh memory costs more than indenting into it
		b.Run("jsonscan", func(b *testing.B) {
			dst, _ := AppendIndent(make([]byte, 0, 2*len(src)), src, "  ")
			measure(b, len(src), func() {
				var err error
				if dst, err = AppendIndent(dst[:0], src, "  "); err != nil {
					b.Fatal(err)
				}
			})
		})
		b.Run("encoding-json", func(b *testing.B) {
			var dst bytes.Buffer
			dst.Grow(2 * len(src))
			_ = json.Indent(&dst, src, "", "  ")
			measure(b, len(src), func() {
				dst.Reset()
				if err := json.Indent(&dst, src, "", "  "); err != nil {
					b.Fatal(err)
				}
			})
		})
	})
}
