package version

import (
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xdsctl/xdsctl/internal/cmdutil"
	"github.com/xdsctl/xdsctl/internal/iostreams"
)

func TestVersion(t *testing.T) {
	old := [3]string{Version, Commit, Date}
	t.Cleanup(func() { Version, Commit, Date = old[0], old[1], old[2] })
	Version, Commit, Date = "v1.2.3", "abc1234", "2026-11-29T00:00:00Z"

	ios, _, out, errOut := iostreams.Test()
	cmd := NewCmdVersion(&cmdutil.Factory{IOStreams: ios})
	cmd.SetArgs(nil)
	require.NoError(t, cmd.Execute())
	assert.Equal(t, "xdsctl v1.2.3 (commit abc1234, built 2026-11-29T00:00:00Z, "+runtime.Version()+" "+runtime.GOOS+"/"+runtime.GOARCH+")\n", out.String())
	assert.Empty(t, errOut.String())

	cmd = NewCmdVersion(&cmdutil.Factory{IOStreams: ios})
	cmd.SetArgs([]string{"extra"})
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	require.Error(t, cmd.Execute())
}
