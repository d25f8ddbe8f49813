// Package inputfile reads the file a user names with --file (or standard input for "-") for
// parsers that take []byte. A large regular file is mapped into memory instead of read: no copy,
// no fresh heap for the Go garbage collector to count, and the page cache's pages are mapped in
// one call (MAP_POPULATE) instead of being faulted in one by one, which on a VM costs more than
// the parsing. Everything else (pipes, small files, systems without mmap) is read.
//
// A mapped file must not shrink while it is read (the process would get SIGBUS); saved dumps
// do not change under a running command.
package inputfile

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/xdsctl/xdsctl/internal/boundedread"
)

// MaxSize is the largest input read: the admin output of the largest meshes is a few hundred MB.
const MaxSize = 1 << 30

// mapMin is the size from which a regular file is mapped rather than read.
const mapMin = 1 << 20

// Error is a problem with the file itself (missing, a directory, too large); the message names
// the file. Hint says what to do, when there is something to say.
type Error struct {
	Msg  string
	Hint string
	Err  error
}

func (e *Error) Error() string { return e.Msg }

// Unwrap returns the underlying error (fs.ErrNotExist, fs.ErrPermission...).
func (e *Error) Unwrap() error { return e.Err }

// UserHint is the hint for the user (cmdutil.Hinter).
func (e *Error) UserHint() string { return e.Hint }

// Read returns the contents of the file at path, or of stdin when path is "-".
func Read(path string, stdin io.Reader) ([]byte, error) {
	if path == "-" {
		if f, ok := stdin.(*os.File); ok {
			if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
				return readRegular(f, st, "standard input")
			}
		}
		return readStream(stdin, "standard input")
	}
	name := fmt.Sprintf("file %q", path)
	st, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, &Error{Msg: name + " does not exist", Err: err,
			Hint: "give the path of a saved Envoy /config_dump (or - to read standard input)"}
	case err != nil:
		return nil, &Error{Msg: fmt.Sprintf("read %s: %v", name, unwrapPath(err)), Err: err}
	case st.IsDir():
		return nil, &Error{Msg: name + " is a directory; give the path of a saved Envoy /config_dump"}
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, &Error{Msg: fmt.Sprintf("read %s: %v", name, unwrapPath(err)), Err: err}
	}
	defer f.Close()
	if !st.Mode().IsRegular() { // a pipe (<(curl ...)), a device
		return readStream(f, name)
	}
	return readRegular(f, st, name)
}

func readRegular(f *os.File, st fs.FileInfo, name string) ([]byte, error) {
	size := st.Size()
	if size > MaxSize {
		return nil, &Error{Msg: fmt.Sprintf("%s is %d MiB, more than the %d MiB xdsctl reads; it cannot be Envoy admin output", name, (size+1<<20-1)>>20, MaxSize>>20)} // rounded up: never "1024 MiB, more than 1024 MiB"
	}
	if size >= mapMin {
		if data, err := mapFile(f, int(size)); err == nil {
			return data, nil
		}
		// not mappable (some file systems): read it
	}
	data := make([]byte, size)
	n, err := io.ReadFull(f, data)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		return nil, &Error{Msg: fmt.Sprintf("read %s: %v", name, unwrapPath(err)), Err: err}
	}
	return data[:n], nil // it shrank while we read: parse what we got
}

// readStream reads a pipe or standard input in chunks (boundedread): about twice the input at the
// peak, where io.ReadAll's doubling takes up to three times.
func readStream(r io.Reader, name string) ([]byte, error) {
	data, _, err := boundedread.Read(context.Background(), r, -1, MaxSize)
	var tl *boundedread.TooLargeError
	if errors.As(err, &tl) {
		return nil, &Error{Msg: fmt.Sprintf("%s is more than the %d MiB xdsctl reads; it cannot be Envoy admin output", name, MaxSize>>20)}
	}
	if err != nil {
		return nil, &Error{Msg: fmt.Sprintf("read %s: %v", name, unwrapPath(err)), Err: err}
	}
	return data, nil
}

// unwrapPath drops the *PathError's operation and path, which the message says already.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
