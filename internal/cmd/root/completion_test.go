package root

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xdsctl/xdsctl/internal/iostreams"
)

// TestCompletion: `xdsctl completion bash|zsh|fish` prints cobra's completion script, and the
// views complete their flag values.
func TestCompletion(t *testing.T) {
	for shell, marker := range map[string]string{"bash": "bash completion V2 for xdsctl", "zsh": "#compdef xdsctl", "fish": "fish completion for xdsctl"} {
		t.Run(shell, func(t *testing.T) {
			ios, _, out, errOut := iostreams.Test()
			cmd := NewCmdRoot(NewFactory(ios))
			cmd.SetArgs([]string{"completion", shell})
			_, err := cmd.ExecuteContextC(context.Background())
			require.NoError(t, err)
			assert.Contains(t, out.String(), marker)
			assert.Empty(t, errOut.String())
		})
	}
	ios, _, out, _ := iostreams.Test()
	cmd := NewCmdRoot(NewFactory(ios))
	cmd.SetArgs([]string{"__complete", "pc", "ep", "--status", ""})
	_, err := cmd.ExecuteContextC(context.Background())
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(out.String(), "HEALTHY\nUNHEALTHY\n"), out.String())
	ios, _, out, _ = iostreams.Test()
	cmd = NewCmdRoot(NewFactory(ios))
	cmd.SetArgs([]string{"__complete", "proxy-config", "clusters", "-o", ""})
	_, err = cmd.ExecuteContextC(context.Background())
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(out.String(), "short\nwide\njson\nyaml\n"), out.String())
}
