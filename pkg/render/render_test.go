package render

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTable(t *testing.T) {
	tests := []struct {
		name string
		t    Table
		want string
	}{
		{"istioctl padding 5 (default)", Table{Headers: []string{"NAME", "TYPE"}, Rows: [][]string{{"a", "EDS"}, {"longer-name", ""}}},
			"NAME            TYPE\na               EDS\nlonger-name     \n"},
		{"listeners padding 1", Table{Padding: 1, Headers: []string{"ADDRESSES", "PORT"}, Rows: [][]string{{"0.0.0.0", "15001"}}},
			"ADDRESSES PORT\n0.0.0.0   15001\n"},
		{"no headers", Table{NoHeaders: true, Headers: []string{"A", "B"}, Rows: [][]string{{"x", "y"}}}, "x     y\n"},
		{"header only", Table{Headers: []string{"NAME", "STATUS"}}, "NAME     STATUS\n"},
		{"empty", Table{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			require.NoError(t, tt.t.Write(&b))
			assert.Equal(t, tt.want, b.String())
		})
	}
}

func TestJSONArrayKeepsOrder(t *testing.T) {
	out, err := JSONArray([]json.RawMessage{json.RawMessage(`{"z":1,"a":{"y":[1,2]}}`), json.RawMessage(`"s"`)})
	require.NoError(t, err)
	assert.Equal(t, "[\n  {\n    \"z\": 1,\n    \"a\": {\n      \"y\": [\n        1,\n        2\n      ]\n    }\n  },\n  \"s\"\n]\n", string(out))
	out, err = JSONArray(nil)
	require.NoError(t, err)
	assert.Equal(t, "[]\n", string(out))
	_, err = Indent([]byte(`{"a":`))
	require.Error(t, err)
}

func TestWriteYAML(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, WriteYAML(&b, []byte(`[{"name":"x","port_value":80,"@type":"t"}]`)))
	assert.Equal(t, "- '@type': t\n  name: x\n  port_value: 80\n", b.String())
}

func TestWriteJQ(t *testing.T) {
	data := []byte(`[{"name":"a","port":9080,"big":12345678901234},{"name":"b","port":80}]`)
	tests := []struct{ expr, want string }{
		{".[].name", "a\nb\n"}, // strings raw, like jq -r
		{".[0].port", "9080\n"},
		{".[0].big", "12345678901234\n"}, // integers stay integers
		{"map(select(.port > 100)) | length", "1\n"},
		{".[1]", "{\n  \"name\": \"b\",\n  \"port\": 80\n}\n"},
		{"empty", ""},
		{"halt", ""},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			code, err := CompileJQ(tt.expr)
			require.NoError(t, err)
			var b bytes.Buffer
			require.NoError(t, WriteJQ(&b, code, data))
			assert.Equal(t, tt.want, b.String())
		})
	}
	_, err := CompileJQ(".[")
	require.Error(t, err)
	code, err := CompileJQ(`error("boom")`)
	require.NoError(t, err)
	err = WriteJQ(&bytes.Buffer{}, code, data)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "boom")
}

func TestDash(t *testing.T) {
	assert.Equal(t, "-", Dash(""))
	assert.Equal(t, "-", Dash("  "))
	assert.Equal(t, "x", Dash("x"))
}

func TestCut(t *testing.T) {
	for _, tc := range []struct {
		in   string
		max  int
		want string
	}{
		{"short", 10, "short"},
		{"exactly10!", 10, "exactly10!"},
		{"eleven chars", 10, "eleven ch…"},
		{"héllo wörld", 6, "héllo…"},
		{"abc", 1, "…"},
		{"abc", 0, "abc"},
	} {
		assert.Equal(t, tc.want, Cut(tc.in, tc.max), "%q/%d", tc.in, tc.max)
	}
}

// TestTableMaxCell: a long cell is cut on a terminal (MaxCell), the rest of the table aligns
// around the cut cell, and the caller's rows stay whole.
func TestTableMaxCell(t *testing.T) {
	long := "ACTIVE (NACKED: " + strings.Repeat("x", 100) + ")"
	tab := &Table{Headers: []string{"NAME", "STATE"}, Rows: [][]string{{"a", long}, {"bb", "ok"}}, Padding: 2, MaxCell: 20}
	var b strings.Builder
	require.NoError(t, tab.Write(&b))
	assert.Equal(t, "NAME  STATE\na     ACTIVE (NACKED: xxx…\nbb    ok\n", b.String())
	assert.Equal(t, long, tab.Rows[0][1])
}

// TestWriteJSONArrayMatchesJSONArray: the streamed array is byte for byte the built one.
func TestWriteJSONArrayMatchesJSONArray(t *testing.T) {
	for _, values := range [][]json.RawMessage{
		nil,
		{json.RawMessage(`{"a":1}`)},
		{json.RawMessage(`{"a":{"b":[1,2,{"c":"x\ny"}]}}`), json.RawMessage(` [ ] `), json.RawMessage(`"s"`), json.RawMessage(`{}`)},
		{json.RawMessage(`{"name":"l1","filter_chains":[{"filters":[]}]}`), json.RawMessage(`{"name":"l2"}`)},
	} {
		want, err := JSONArray(values)
		require.NoError(t, err)
		var got bytes.Buffer
		require.NoError(t, WriteJSONArray(&got, ItemsOf(values)))
		assert.Equal(t, string(want), got.String())
	}
	// empty values are left out, as Collect leaves them out
	var got bytes.Buffer
	require.NoError(t, WriteJSONArray(&got, ItemsOf([]json.RawMessage{nil, json.RawMessage(`1`)})))
	assert.Equal(t, "[\n  1\n]\n", got.String())
	// an error from a value stops the array
	err := WriteJSONArray(&bytes.Buffer{}, Items{N: 2, Item: func(i int) ([]byte, error) { return nil, errors.New("boom") }})
	assert.EqualError(t, err, "boom")
}
