package version

import (
	"runtime"
	"strings"
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

func TestVersionFormats(t *testing.T) {
	old := [3]string{Version, Commit, Date}
	t.Cleanup(func() { Version, Commit, Date = old[0], old[1], old[2] })
	Version, Commit, Date = "v1.2.3", "abc1234", "2026-11-29T00:00:00Z"
	platform := runtime.GOOS + "/" + runtime.GOARCH
	for _, tc := range []struct {
		args []string
		want string
		code int
	}{
		{[]string{"--short"}, "v1.2.3\n", 0},
		{[]string{"-o", "json"}, "{\n  \"clientVersion\": {\n    \"gitVersion\": \"v1.2.3\",\n    \"gitCommit\": \"abc1234\",\n    \"buildDate\": \"2026-11-29T00:00:00Z\",\n    \"goVersion\": \"" + runtime.Version() + "\",\n    \"platform\": \"" + platform + "\"\n  }\n}\n", 0},
		{[]string{"-o", "yaml"}, "clientVersion:\n  buildDate: \"2026-11-29T00:00:00Z\"\n  gitCommit: abc1234\n  gitVersion: v1.2.3\n  goVersion: " + runtime.Version() + "\n  platform: " + platform + "\n", 0},
		{[]string{"-o", "xml"}, "", cmdutil.ExitUsage},
		{[]string{"--short", "-o", "json"}, "", cmdutil.ExitUsage},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			ios, _, out, _ := iostreams.Test()
			cmd := NewCmdVersion(&cmdutil.Factory{IOStreams: ios})
			cmd.SetArgs(tc.args)
			cmd.SilenceErrors, cmd.SilenceUsage = true, true
			err := cmd.Execute()
			assert.Equal(t, tc.code, cmdutil.ExitCode(err), "%v", err)
			assert.Equal(t, tc.want, out.String())
		})
	}
}
