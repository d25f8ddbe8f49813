package inputfile

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func write(t *testing.T, size int) (string, []byte) {
	t.Helper()
	data := bytes.Repeat([]byte(`{"configs":[]}`+"\n"), size/15+1)[:size]
	p := filepath.Join(t.TempDir(), "dump.json")
	require.NoError(t, os.WriteFile(p, data, 0o644))
	return p, data
}

func TestReadRegularFiles(t *testing.T) {
	for _, size := range []int{0, 1, mapMin - 1, mapMin, 3*mapMin + 17} { // read below mapMin, mapped from it
		p, want := write(t, size)
		got, err := Read(p, nil)
		require.NoError(t, err, "size %d", size)
		assert.True(t, bytes.Equal(want, got), "size %d: contents differ", size)

		f, err := os.Open(p) // standard input redirected from a file is mapped too
		require.NoError(t, err)
		got, err = Read("-", f)
		f.Close()
		require.NoError(t, err)
		assert.True(t, bytes.Equal(want, got), "stdin, size %d: contents differ", size)
	}
}

func TestReadStdinStream(t *testing.T) {
	got, err := Read("-", strings.NewReader(`{"configs":[]}`))
	require.NoError(t, err)
	assert.Equal(t, `{"configs":[]}`, string(got))

	r, w, err := os.Pipe() // a pipe is read, not mapped
	require.NoError(t, err)
	go func() { _, _ = w.Write([]byte("piped")); w.Close() }()
	got, err = Read("-", r)
	require.NoError(t, err)
	assert.Equal(t, "piped", string(got))
}

func TestReadErrors(t *testing.T) {
	dir := t.TempDir()
	huge := filepath.Join(dir, "huge.json")
	f, err := os.Create(huge)
	require.NoError(t, err)
	require.NoError(t, f.Truncate(MaxSize+1)) // sparse: nothing is written or read
	f.Close()

	for _, tc := range []struct {
		path, msg, hint string
		is              error
	}{
		{filepath.Join(dir, "missing.json"), `file "` + filepath.Join(dir, "missing.json") + `" does not exist`,
			"give the path of a saved Envoy /config_dump (or - to read standard input)", fs.ErrNotExist},
		{dir, `file "` + dir + `" is a directory; give the path of a saved Envoy /config_dump`, "", nil},
		{huge, `file "` + huge + `" is 1025 MiB, more than the 1024 MiB xdsctl reads; it cannot be Envoy admin output`, "", nil},
	} {
		_, err := Read(tc.path, nil)
		var ie *Error
		require.True(t, errors.As(err, &ie), "%s: %v", tc.path, err)
		assert.Equal(t, tc.msg, ie.Error())
		assert.Equal(t, tc.hint, ie.UserHint())
		if tc.is != nil {
			assert.ErrorIs(t, err, tc.is)
		}
		assert.NotContains(t, ie.Error(), "\n")
	}
}

// TestInputNaming: a command names the input by its flag and says what it wants; a stream over
// the limit is an error, never cut.
func TestInputNaming(t *testing.T) {
	dir := t.TempDir()
	in := Input{Flag: "--k8s-file", Want: "a file", Hint: "save the objects", Kind: "a list of Kubernetes objects", Max: 8}
	small := filepath.Join(dir, "small.yaml")
	require.NoError(t, os.WriteFile(small, []byte("12345678"), 0o644))
	big := filepath.Join(dir, "big.yaml")
	require.NoError(t, os.WriteFile(big, []byte("123456789"), 0o644))

	got, err := in.Read(small, nil)
	require.NoError(t, err)
	assert.Equal(t, "12345678", string(got))
	got, err = in.Read("-", strings.NewReader("12345678"))
	require.NoError(t, err)
	assert.Equal(t, "12345678", string(got))

	bigStdin, err := os.Open(big) // standard input redirected from a file: its size is known
	require.NoError(t, err)
	defer bigStdin.Close()
	for _, tc := range []struct {
		path      string
		stdin     io.Reader
		msg, hint string
	}{
		{filepath.Join(dir, "nope.yaml"), nil, `--k8s-file "` + filepath.Join(dir, "nope.yaml") + `" does not exist`, "save the objects"},
		{dir, nil, `--k8s-file "` + dir + `" is a directory; give a file`, ""},
		{big, nil, `--k8s-file "` + big + `" is 9 bytes, more than the 8 bytes xdsctl reads; it cannot be a list of Kubernetes objects`, ""},
		{"-", strings.NewReader("123456789"), `standard input (--k8s-file -) is more than the 8 bytes xdsctl reads; it cannot be a list of Kubernetes objects`, ""},
		{"-", bigStdin, `standard input (--k8s-file -) is 9 bytes, more than the 8 bytes xdsctl reads; it cannot be a list of Kubernetes objects`, ""},
	} {
		_, err := in.Read(tc.path, tc.stdin)
		var ie *Error
		require.True(t, errors.As(err, &ie), "%s: %v", tc.path, err)
		assert.Equal(t, tc.msg, ie.Error())
		assert.Equal(t, tc.hint, ie.UserHint())
	}
}

func TestInputName(t *testing.T) {
	for _, tt := range []struct{ flag, path, want string }{
		{"", "dump.json", `file "dump.json"`},
		{"", "-", "standard input"},
		{"file", "-", "standard input"},
		{"--k8s-file", "objects.yaml", `--k8s-file "objects.yaml"`},
		{"--k8s-file", "-", "standard input (--k8s-file -)"},
	} {
		assert.Equal(t, tt.want, Input{Flag: tt.flag}.Name(tt.path))
	}
}
