package program

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/xdsctl/xdsctl/internal/cmdutil"
	"github.com/xdsctl/xdsctl/internal/iostreams"
)

func TestRun(t *testing.T) {
	tests := []struct {
		args      []string
		code      int
		stdout    string
		stderr    string
		stderrHas string
	}{
		{args: []string{"version"}, code: 0, stdout: "xdsctl dev"},
		{args: []string{"controlplane", "serve"}, code: 2, stderr: "Error: give the snapshot to serve with --config <path>\n\nRun 'xdsctl controlplane serve --help' for usage.\n"},
		{args: []string{"controlplane", "serve", "-c", "/nonexistent.yaml"}, code: 1, stderr: "Error: load snapshot \"/nonexistent.yaml\": no such file or directory\nHint: the snapshot format is in docs/controlplane.md; examples/controlplane/basic.yaml is a start\n"},
		{args: []string{"selftest", "--nope"}, code: 2, stderrHas: "Error: unknown flag: --nope\n"},
		{args: []string{"grpc-peer"}, code: 1, stderr: "Error: grpc-peer: give at least one -target\n"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			ios, _, out, errOut := iostreams.Test()
			code := Run(context.Background(), &cmdutil.Factory{IOStreams: ios, Now: time.Now}, tt.args)
			assert.Equal(t, tt.code, code)
			if tt.stdout != "" {
				assert.True(t, strings.HasPrefix(out.String(), tt.stdout), out.String())
			}
			if tt.stderr != "" {
				assert.Equal(t, tt.stderr, errOut.String())
			}
			if tt.stderrHas != "" {
				assert.Contains(t, errOut.String(), tt.stderrHas)
			}
		})
	}
}
