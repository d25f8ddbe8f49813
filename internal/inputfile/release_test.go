package inputfile

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// mapped writes a file of n pages (page i filled with byte 'a'+i%26) and reads it, mapped.
func mapped(t *testing.T, pages int) (data, want []byte) {
	t.Helper()
	want = make([]byte, pages*pageSize)
	for i := range pages {
		for j := range pageSize {
			want[i*pageSize+j] = byte('a' + i%26)
		}
	}
	p := filepath.Join(t.TempDir(), "dump.json")
	require.NoError(t, os.WriteFile(p, want, 0o600))
	data, err := Read(p, nil)
	require.NoError(t, err)
	require.True(t, isMapped(data), "a file of %d bytes is mapped", len(data))
	return data, want
}

func isMapped(b []byte) bool {
	s, e := span(b)
	m, _ := mappingOf(s, e)
	return m != nil
}

// residentKiB is the Rss of the mapping that starts at b's first byte, from /proc/self/smaps.
func residentKiB(t *testing.T, b []byte) int {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc/self/smaps")
	}
	f, err := os.Open("/proc/self/smaps")
	require.NoError(t, err)
	defer f.Close()
	start := fmt.Sprintf("%x-", uintptr(unsafe.Pointer(unsafe.SliceData(b))))
	sc := bufio.NewScanner(f)
	in := false
	for sc.Scan() {
		line := sc.Text()
		if f := strings.Fields(line); len(f) > 0 && strings.Contains(f[0], "-") { // a mapping's first line
			in = strings.HasPrefix(line, start)
			continue
		}
		if in && strings.HasPrefix(line, "Rss:") {
			n, err := strconv.Atoi(strings.Fields(line)[1])
			require.NoError(t, err)
			return n
		}
	}
	t.Fatalf("no mapping at %s in /proc/self/smaps", start)
	return 0
}

var sink int

// touch reads a byte of every page of b.
func touch(b []byte) {
	for i := 0; i < len(b); i += pageSize {
		sink += int(b[i])
	}
}

// TestRelease: the pages given back leave the process's RSS, and the bytes read the same after.
func TestRelease(t *testing.T) {
	const pages = 512 // 2 MiB
	data, want := mapped(t, pages)
	touch(data)
	all := residentKiB(t, data)
	require.GreaterOrEqual(t, all, pages*4*9/10, "every page was read")

	// pages 1..299 whole, not the partial pages 0 and 300 (the kernel may unmap more: a huge
	// page mapping is unmapped whole, and mapped again when read)
	Release(data[100 : 300*pageSize+5])
	after := residentKiB(t, data)
	assert.LessOrEqual(t, after, all-299*4, "299 pages given back")
	assert.Equal(t, want, data, "the bytes read the same after")
}

// TestReleaseUnmapped: bytes that were read, not mapped, are left alone.
func TestReleaseUnmapped(t *testing.T) {
	b := bytes.Repeat([]byte("x"), 3*pageSize)
	Release(b)
	assert.Equal(t, bytes.Repeat([]byte("x"), 3*pageSize), b)
	assert.False(t, isMapped(b))
}
