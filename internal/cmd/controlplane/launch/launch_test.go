package launch

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/spf13/cobra"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xdsctl/xdsctl/internal/cmdutil"
)

func TestPassThrough(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"serve", []string{"controlplane", "serve", "--config", "x.yaml", "--listen", "127.0.0.1:1"}, []string{"xdsctl-controlplane", "controlplane", "serve", "--config", "x.yaml", "--listen", "127.0.0.1:1"}},
		{"sidecar help goes to the program", []string{"controlplane", "sidecar", "--help"}, []string{"xdsctl-controlplane", "controlplane", "sidecar", "--help"}},
		{"alias", []string{"cp", "sidecar", "--node", "a"}, []string{"xdsctl-controlplane", "controlplane", "sidecar", "--node", "a"}},
		{"selftest", []string{"selftest", "-q"}, []string{"xdsctl-controlplane", "selftest", "-q"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var gotPath string
			var gotArgs []string
			r := Runner{
				Find: func() (string, error) { return "/opt/xdsctl-controlplane", nil },
				Exec: func(p string, args []string) error { gotPath, gotArgs = p, args; return nil },
			}
			root := NewCmdControlPlane(r)
			parent := root
			if tt.args[0] == "selftest" {
				parent = NewCmdSelftest(r)
				parent.SetArgs(tt.args[1:])
			} else {
				wrapper := &cobraRoot{}
				parent = wrapper.with(root)
				parent.SetArgs(tt.args)
			}
			require.NoError(t, parent.Execute())
			assert.Equal(t, "/opt/xdsctl-controlplane", gotPath)
			assert.Equal(t, tt.want, gotArgs)
		})
	}
}

func TestFind(t *testing.T) {
	dir := t.TempDir()
	prog := filepath.Join(dir, ProgramName)
	require.NoError(t, os.WriteFile(prog, []byte("#!/bin/sh\n"), 0o755))

	t.Run("env", func(t *testing.T) {
		t.Setenv(EnvProgram, prog)
		p, err := Find()
		require.NoError(t, err)
		assert.Equal(t, prog, p)
	})
	t.Run("env names a missing file", func(t *testing.T) {
		t.Setenv(EnvProgram, filepath.Join(dir, "nope"))
		_, err := Find()
		assert.EqualError(t, err, EnvProgram+"="+filepath.Join(dir, "nope")+": no such file or directory")
	})
	t.Run("PATH", func(t *testing.T) {
		t.Setenv(EnvProgram, "")
		t.Setenv("PATH", dir)
		p, err := Find()
		require.NoError(t, err)
		assert.Equal(t, prog, p)
	})
	t.Run("nowhere", func(t *testing.T) {
		t.Setenv(EnvProgram, "")
		t.Setenv("PATH", t.TempDir())
		_, err := Find()
		require.Error(t, err)
		assert.Contains(t, err.Error(), "the bundled control plane, emulated sidecar and self-test are in a separate program, xdsctl-controlplane, and it is not next to ")
		assert.Equal(t, "install xdsctl's programs together (go install github.com/xdsctl/xdsctl/cmd/...@latest, or 'make build' into bin/), or set XDSCTL_CONTROLPLANE to the path of xdsctl-controlplane", cmdutil.HintOf(err))
	})
}

// cobraRoot stands in for xdsctl's root command.
type cobraRoot struct{}

func (cobraRoot) with(sub *cobra.Command) *cobra.Command {
	root := &cobra.Command{Use: "xdsctl", SilenceUsage: true, SilenceErrors: true}
	root.PersistentFlags().StringP("namespace", "n", "", "")
	root.AddCommand(sub)
	return root
}
