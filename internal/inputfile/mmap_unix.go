//go:build unix

package inputfile

import (
	"os"
	"syscall"
)

// mapFile maps the file read-only. The mapping lives as long as the process: the bytes are
// referenced by whatever was parsed from them.
func mapFile(f *os.File, size int) ([]byte, error) {
	return syscall.Mmap(int(f.Fd()), 0, size, syscall.PROT_READ, syscall.MAP_PRIVATE|populate)
}
