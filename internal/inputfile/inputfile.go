// Package inputfile reads the file a user names with --file (or standard input for "-") for
// parsers that take []byte. A large regular file is mapped into memory instead of read: no copy,
// no fresh heap for the Go garbage collector to count, and only the pages a command reads are
// mapped (a view of one kind reads one or two sections of a dump; see Release for giving back
// the ones it read past). Everything else (pipes, small files, systems without mmap) is read.
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

// Input says how the messages about one input name it and what they suggest. The zero Input
// is a saved Envoy /config_dump given with --file.
type Input struct {
	// Flag names the input in messages: `Flag "path" does not exist`, `standard input (Flag -)`.
	// "file" when empty, and standard input is then just "standard input".
	Flag string
	// Want is what the input should be, for "is a directory; give Want": "the path of a saved
	// Envoy /config_dump" when empty.
	Want string
	// Hint is the hint for a missing file: "give the path of a saved Envoy /config_dump (or -
	// to read standard input)" when empty.
	Hint string
	// Kind is what an input too large cannot be: "Envoy admin output" when empty.
	Kind string
	// Max is the largest input read: MaxSize when 0 (tests set a small one).
	Max int64
}

// Read returns the contents of the file at path, or of stdin when path is "-".
func Read(path string, stdin io.Reader) ([]byte, error) {
	return Input{}.Read(path, stdin)
}

// Read returns the contents of the file at path, or of stdin when path is "-"; the messages
// name the input as in says.
func (in Input) Read(path string, stdin io.Reader) ([]byte, error) {
	in = in.defaults()
	name := in.Name(path)
	if path == "-" {
		if f, ok := stdin.(*os.File); ok {
			if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
				return in.readRegular(f, st, name)
			}
		}
		return in.readStream(stdin, name)
	}
	st, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, &Error{Msg: name + " does not exist", Err: err, Hint: in.Hint}
	case err != nil:
		return nil, &Error{Msg: fmt.Sprintf("read %s: %v", name, unwrapPath(err)), Err: err}
	case st.IsDir():
		return nil, &Error{Msg: name + " is a directory; give " + in.Want}
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, &Error{Msg: fmt.Sprintf("read %s: %v", name, unwrapPath(err)), Err: err}
	}
	defer f.Close()
	if !st.Mode().IsRegular() { // a pipe (<(curl ...)), a device
		return in.readStream(f, name)
	}
	return in.readRegular(f, st, name)
}

// Name is how messages name the input at path: `file "dump.json"`, `--k8s-file "objects.yaml"`,
// "standard input", "standard input (--k8s-file -)".
func (in Input) Name(path string) string {
	flag := in.Flag
	if flag == "" {
		flag = "file"
	}
	switch {
	case path == "-" && flag == "file":
		return "standard input"
	case path == "-":
		return fmt.Sprintf("standard input (%s -)", flag)
	}
	return fmt.Sprintf("%s %q", flag, path)
}

func (in Input) defaults() Input {
	if in.Flag == "" {
		in.Flag = "file"
	}
	if in.Want == "" {
		in.Want = "the path of a saved Envoy /config_dump"
	}
	if in.Hint == "" {
		in.Hint = "give the path of a saved Envoy /config_dump (or - to read standard input)"
	}
	if in.Kind == "" {
		in.Kind = "Envoy admin output"
	}
	if in.Max <= 0 {
		in.Max = MaxSize
	}
	return in
}

// tooLarge says that the input is more than in.Max; size is its size, or -1 when unknown.
func (in Input) tooLarge(name string, size int64) *Error {
	amount := func(n int64) string {
		if in.Max < 1<<20 { // a test's small limit
			return fmt.Sprintf("%d bytes", n)
		}
		return fmt.Sprintf("%d MiB", (n+1<<20-1)>>20) // rounded up: never "1024 MiB, more than 1024 MiB"
	}
	if size < 0 {
		return &Error{Msg: fmt.Sprintf("%s is more than the %s xdsctl reads; it cannot be %s", name, amount(in.Max), in.Kind)}
	}
	return &Error{Msg: fmt.Sprintf("%s is %s, more than the %s xdsctl reads; it cannot be %s", name, amount(size), amount(in.Max), in.Kind)}
}

func (in Input) readRegular(f *os.File, st fs.FileInfo, name string) ([]byte, error) {
	size := st.Size()
	if size > in.Max {
		return nil, in.tooLarge(name, size)
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
func (in Input) readStream(r io.Reader, name string) ([]byte, error) {
	data, _, err := boundedread.Read(context.Background(), r, -1, in.Max)
	var tl *boundedread.TooLargeError
	if errors.As(err, &tl) {
		return nil, in.tooLarge(name, -1)
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
