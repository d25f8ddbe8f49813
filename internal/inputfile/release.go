package inputfile

import (
	"sync"
	"unsafe"
)

// A mapped input's pages count in the process's RSS once read, though they are the page cache's
// and cost no fresh memory. A command done with part of a mapped input (a 100 MB dump's sections
// that a view skips) can give those pages back with Release: the bytes stay readable (a later
// read maps them again from the page cache), only the process's RSS shrinks. For bytes that were
// read rather than mapped, it does nothing.

var (
	mu       sync.Mutex
	mappings [][]byte // every mapped input
)

// pageSize is the unit Release works in: 4 KiB pages (a larger page size only releases less).
const pageSize = 4096

func addMapping(b []byte) {
	if len(b) == 0 {
		return
	}
	mu.Lock()
	mappings = append(mappings, b)
	mu.Unlock()
}

// mappingOf returns the mapped input that holds [start, end) and the address of its first byte.
func mappingOf(start, end uintptr) ([]byte, uintptr) {
	mu.Lock()
	defer mu.Unlock()
	for _, m := range mappings {
		ms, me := span(m)
		if start >= ms && end <= me {
			return m, ms
		}
	}
	return nil, 0
}

// span is b's [start, end) address range.
func span(b []byte) (uintptr, uintptr) {
	start := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	return start, start + uintptr(len(b))
}

// Release gives back the whole pages that b covers in a mapped input.
func Release(b []byte) {
	if len(b) == 0 {
		return
	}
	start, end := span(b)
	if m, base := mappingOf(start, end); m != nil {
		releaseRange(m, start-base, end-base)
	}
}

// releaseRange gives back the whole pages of the mapping m inside its bytes [from, to): a page
// partly outside them may hold bytes still in use. m starts on a page boundary.
func releaseRange(m []byte, from, to uintptr) {
	first := (from + pageSize - 1) &^ (pageSize - 1)
	last := to &^ (pageSize - 1)
	if last <= first {
		return
	}
	dontNeed(m[first:last])
}
