package inputfile

import "syscall"

// populate maps every page at once; faulting 25,000 pages in one by one costs about as much as
// scanning them on this kind of VM.
const populate = syscall.MAP_POPULATE
