package adminhttp

// hintError is an error with a hint for the user. It satisfies cmdutil.Hinter, which main uses to
// print the "Hint:" line (admin cannot import cmdutil: cmdutil imports admin).
type hintError struct {
	err  error
	hint string
}

func (e *hintError) Error() string    { return e.err.Error() }
func (e *hintError) Unwrap() error    { return e.err }
func (e *hintError) UserHint() string { return e.hint }

// withHint wraps err with a hint. A nil err stays nil.
func withHint(err error, hint string) error {
	if err == nil {
		return nil
	}
	return &hintError{err: err, hint: hint}
}
