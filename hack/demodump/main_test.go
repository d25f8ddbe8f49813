package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCommittedDemoIsGenerated: the embedded demo files are what this program makes from the real
// dumps and the kept certificates, byte for byte (no hand edits; rerun go generate after a change).
func TestCommittedDemoIsGenerated(t *testing.T) {
	root := filepath.Join("..", "..")
	out := t.TempDir()
	require.NoError(t, run(root, out, false))
	for _, f := range []string{"config_dump.json", "clusters.json", "server_info.json"} {
		got, err := os.ReadFile(filepath.Join(out, f))
		require.NoError(t, err)
		want, err := os.ReadFile(filepath.Join(root, "internal", "cmd", "proxyconfig", "demodata", f))
		require.NoError(t, err)
		assert.True(t, string(got) == string(want), "%s is stale: run go generate ./internal/cmd/proxyconfig", f)
	}
}

// TestOrderedJSONRoundTrip: pieces of real dumps keep their key order and values.
func TestOrderedJSONRoundTrip(t *testing.T) {
	in := `{"b": 1, "a": [true, null, "x<y", 4294967295, 0.25, {}, []], "c": {"z": "1", "y": {"k": -2}}}`
	v, err := decode([]byte(in))
	require.NoError(t, err)
	assert.Equal(t, "x<y", atStr(v, "a", 2))
	var b bytes.Buffer
	encode(&b, v, "")
	want := "{\n  \"b\": 1,\n  \"a\": [\n    true,\n    null,\n    \"x<y\",\n    4294967295,\n    0.25,\n    {},\n    []\n  ],\n" +
		"  \"c\": {\n    \"z\": \"1\",\n    \"y\": {\n      \"k\": -2\n    }\n  }\n}"
	assert.Equal(t, want, b.String())
	_, err = decode([]byte(`{"a": 1} {}`))
	assert.Error(t, err)
}

// FuzzOrderedJSON: whatever decodes, encodes to JSON that decodes to the same encoding again, and
// that encoding/json accepts.
func FuzzOrderedJSON(f *testing.F) {
	f.Add([]byte(`{"b": 1, "a": [true, null, "x"], "c": {}}`))
	f.Add([]byte(`[1.5e3, "\u00e9\n", {"k": []}]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := decode(data)
		if err != nil {
			return
		}
		var b1, b2 bytes.Buffer
		encode(&b1, v, "")
		require.True(t, json.Valid(b1.Bytes()), "%s", b1.Bytes())
		v2, err := decode(b1.Bytes())
		require.NoError(t, err)
		encode(&b2, v2, "")
		require.Equal(t, b1.String(), b2.String())
	})
}
