package cmdutil

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/spf13/cobra"
	"github.com/stretchr/testify/assert"
)

func TestExecute(t *testing.T) {
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	for _, tc := range []struct {
		name   string
		ctx    context.Context
		err    error
		code   int
		stderr string
	}{
		{"ok", context.Background(), nil, ExitOK, ""},
		{"error with hint", context.Background(), WithHint(errors.New(`pod "x" not found`), "check the namespace"), ExitError,
			"Error: pod \"x\" not found\nHint: check the namespace\n"},
		{"usage", context.Background(), FlagErrorf("unknown view %q", "foo"), ExitUsage,
			"Error: unknown view \"foo\"\n\nRun 'xdsctl sub --help' for usage.\n"},
		{"problems", context.Background(), &ProblemsError{Msg: "2 proxies are not SYNCED"}, ExitProblems, "2 proxies are not SYNCED\n"},
		{"silent", context.Background(), SilentError, ExitError, ""},
		{"interrupted", cancelled, errors.New("context canceled"), ExitInterrupted, "Error: interrupted\n"},
		{"interrupted, already reported", cancelled, SilentError, ExitInterrupted, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := &cobra.Command{Use: "xdsctl", SilenceErrors: true, SilenceUsage: true}
			root.AddCommand(&cobra.Command{Use: "sub", RunE: func(*cobra.Command, []string) error { return tc.err }})
			var errOut bytes.Buffer
			assert.Equal(t, tc.code, Execute(tc.ctx, root, &errOut, []string{"sub"}))
			assert.Equal(t, tc.stderr, errOut.String())
		})
	}
}
