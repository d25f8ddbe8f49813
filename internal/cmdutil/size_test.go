package cmdutil

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

func TestMaxResponseFlag(t *testing.T) {
	for _, tc := range []struct {
		arg  string
		want int64
		err  string
	}{
		{"", DefaultMaxResponse, ""},
		{"8Mi", 8 << 20, ""},
		{"8MiB", 8 << 20, ""},
		{"2Gi", 2 << 30, ""},
		{"100M", 100_000_000, ""},
		{"1 GB", 1_000_000_000, ""},
		{"4096", 4096, ""},
		{"64ki", 64 << 10, ""},
		{"0", 0, `invalid argument "0" for "--max-response" flag: the size must be positive`},
		{"-1", 0, `invalid argument "-1" for "--max-response" flag: "-1" is not a size: give bytes, or a number with Ki, Mi or Gi (e.g. 512Mi)`},
		{"lots", 0, `"lots" is not a size`},
		{"9999999999Gi", 0, `"9999999999Gi" is too large`},
	} {
		t.Run(tc.arg, func(t *testing.T) {
			fs := pflag.NewFlagSet("x", pflag.ContinueOnError)
			var n int64
			AddMaxResponseFlag(fs, &n)
			var args []string
			if tc.arg != "" {
				args = []string{"--max-response", tc.arg}
			}
			err := fs.Parse(args)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil || n != tc.want {
				t.Fatalf("%d, %v; want %d", n, err, tc.want)
			}
		})
	}
	fs := pflag.NewFlagSet("x", pflag.ContinueOnError)
	var n int64
	AddMaxResponseFlag(fs, &n)
	if d := fs.Lookup("max-response").DefValue; d != "1Gi" {
		t.Errorf("default shown as %q", d)
	}
}

// A bad --max-response is a usage error that says what the flag takes.
func TestMaxResponseUsageError(t *testing.T) {
	for _, arg := range []string{"lots", "0", "-5Mi"} {
		root := &cobra.Command{Use: "xdsctl", SilenceErrors: true, SilenceUsage: true}
		var n int64
		sub := &cobra.Command{Use: "get", RunE: func(*cobra.Command, []string) error { return nil }}
		AddMaxResponseFlag(sub.Flags(), &n)
		root.AddCommand(sub)
		StrictUsage(root)
		var errOut bytes.Buffer
		code := Execute(context.Background(), root, &errOut, []string{"get", "--max-response", arg})
		want := fmt.Sprintf("Error: invalid value %q for --max-response: want a size above 0 such as 512Mi or 2Gi (or bytes), e.g. --max-response 1Gi\n\nRun 'xdsctl get --help' for usage.\n", arg)
		if code != ExitUsage || errOut.String() != want {
			t.Errorf("%s: exit %d\n%s\nwant\n%s", arg, code, errOut.String(), want)
		}
	}
}
