package selftest

import (
	"bytes"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xdsctl/xdsctl/internal/cmdutil"
	"github.com/xdsctl/xdsctl/internal/iostreams"
)

func TestSelftestFlags(t *testing.T) {
	exe, err := os.Executable()
	require.NoError(t, err)
	tests := []struct {
		args    []string
		want    Options
		wantErr string
	}{
		{args: nil, want: Options{Wait: 10 * time.Second, PeerCommand: []string{exe, "grpc-peer"}}},
		{args: []string{"-q", "--wait", "2s"}, want: Options{Quiet: true, Wait: 2 * time.Second, PeerCommand: []string{exe, "grpc-peer"}}},
		{args: []string{"--wait", "0s"}, wantErr: "--wait must be positive, got 0s"},
		{args: []string{"extra"}, wantErr: `unknown command "extra" for "selftest"`},
	}
	for _, tt := range tests {
		ios, _, _, _ := iostreams.Test()
		var got *Options
		cmd := NewCmdSelftest(&cmdutil.Factory{IOStreams: ios, Now: time.Now}, func(o *Options) error { got = o; return nil })
		cmd.SetArgs(tt.args)
		cmd.SetOut(&bytes.Buffer{})
		cmd.SetErr(&bytes.Buffer{})
		err := cmd.Execute()
		if tt.wantErr != "" {
			assert.EqualError(t, err, tt.wantErr)
			continue
		}
		require.NoError(t, err)
		assert.Equal(t, tt.want, *got)
	}
}
