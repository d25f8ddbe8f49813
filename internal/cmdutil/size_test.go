package cmdutil

import (
	"strings"
	"testing"

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
