//go:build unix

package inputfile

import (
	"os"
	"syscall"
)

// mapFile maps the file read-only. The mapping lives as long as the process: the bytes are
// referenced by whatever was parsed from them.
func mapFile(f *os.File, size int) ([]byte, error) {
	b, err := syscall.Mmap(int(f.Fd()), 0, size, syscall.PROT_READ, syscall.MAP_PRIVATE)
	if err == nil {
		addMapping(b)
	}
	return b, err
}

// dontNeed drops the process's mapping of b's pages (MADV_DONTNEED). The mapping is private and
// never written, so a later read maps the file's page again: the bytes do not change.
func dontNeed(b []byte) { _ = syscall.Madvise(b, syscall.MADV_DONTNEED) }
