// Package cmdutil holds what every command shares: the Factory, error kinds and exit codes.
package cmdutil

import (
	"errors"
	"fmt"
	"io"
)

// Exit codes of xdsctl (documented in docs/exit-codes.md).
const (
	ExitOK       = 0
	ExitError    = 1
	ExitUsage    = 2
	ExitProblems = 3 // the command worked and found problems (e.g. a proxy not SYNCED)
	// ExitInterrupted is the exit code after Ctrl-C (128 + SIGINT), as shells report it.
	ExitInterrupted = 130
)

// FlagError is a usage error: main prints the command's usage after it and exits 2.
type FlagError struct{ err error }

func (e *FlagError) Error() string { return e.err.Error() }
func (e *FlagError) Unwrap() error { return e.err }

// FlagErrorf returns a FlagError.
func FlagErrorf(format string, args ...any) error {
	return &FlagError{err: fmt.Errorf(format, args...)}
}

// HintError is an error with a hint for the user, printed by main on a "Hint:" line.
type HintError struct {
	Err  error
	Hint string
}

func (e *HintError) Error() string { return e.Err.Error() }
func (e *HintError) Unwrap() error { return e.Err }

// WithHint wraps err with a hint. A nil err stays nil.
func WithHint(err error, hint string) error {
	if err == nil {
		return nil
	}
	return &HintError{Err: err, Hint: hint}
}

// UserHint returns the hint.
func (e *HintError) UserHint() string { return e.Hint }

// Hinter is an error that carries a hint for the user. Packages that do not import cmdutil
// (inputfile) implement it with their own error type.
type Hinter interface {
	error
	UserHint() string
}

// HintOf returns the first hint found in err's chain, or "".
func HintOf(err error) string {
	var h Hinter
	if errors.As(err, &h) {
		return h.UserHint()
	}
	return ""
}

// KindError is an error with a message of its own that unwraps to a sentinel error (its kind), so
// callers tell failures apart with errors.Is and the sentinel's text is not repeated.
type KindError struct {
	Msg  string
	Kind error
}

func (e *KindError) Error() string { return e.Msg }
func (e *KindError) Unwrap() error { return e.Kind }

// KindErrorf is a KindError of kind with a formatted message.
func KindErrorf(kind error, format string, args ...any) error {
	return &KindError{Msg: fmt.Sprintf(format, args...), Kind: kind}
}

// ProblemsError means the command succeeded but found problems: exit code 3, with the message printed.
type ProblemsError struct{ Msg string }

func (e *ProblemsError) Error() string { return e.Msg }

// ExitStatus ends the process with Code and prints nothing: another program ran the command
// (and reported) in xdsctl's place.
type ExitStatus struct{ Code int }

func (e *ExitStatus) Error() string { return fmt.Sprintf("exit status %d", e.Code) }

// SilentError makes main exit non-zero without printing anything more (the command already reported).
var SilentError = errors.New("silent error")

// ExitCode maps an error returned by a command to the process exit code.
func ExitCode(err error) int {
	var fe *FlagError
	var pe *ProblemsError
	switch {
	case err == nil:
		return ExitOK
	case errors.As(err, &fe):
		return ExitUsage
	case errors.As(err, &pe):
		return ExitProblems
	default:
		return ExitError
	}
}

// ProxiesFailed says, for a command that read several proxies, which of the total failed (each
// "name: error"), then each distinct hint once, on w; it returns SilentError (exit 1) when any
// failed, nil otherwise.
func ProxiesFailed(w io.Writer, failed []string, total int, hints []string) error {
	if len(failed) == 0 {
		return nil
	}
	fmt.Fprintf(w, "Error: %d of %d proxies failed:\n", len(failed), total)
	for _, f := range failed {
		fmt.Fprintf(w, "  %s\n", f)
	}
	for _, h := range hints { // a hundred pods often fail alike
		fmt.Fprintf(w, "Hint: %s\n", h)
	}
	return SilentError
}
