package frontgen

import (
	"testing"

	"github.com/spf13/cobra"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func trees(flags func(*cobra.Command)) (live, shared *cobra.Command) {
	live = &cobra.Command{Use: "xdsctl"}
	flags(live)
	live.AddCommand(&cobra.Command{Use: "version", Short: "Print the version"},
		&cobra.Command{Use: "proxy-status [<pod>]", Aliases: []string{"ps"}, Short: "Show sync status", Long: "Long `text`\nwith lines.", Example: "  xdsctl ps"})
	shared = &cobra.Command{Use: "xdsctl"}
	shared.AddCommand(&cobra.Command{Use: "version"})
	return live, shared
}

func TestGenerate(t *testing.T) {
	live, shared := trees(func(c *cobra.Command) {
		fs := c.PersistentFlags()
		fs.StringP("namespace", "n", "", "If present, the namespace scope")
		fs.Bool("insecure-skip-tls-verify", false, "If true, skip")
		fs.StringArray("as-group", nil, "Group to impersonate")
		fs.String(CacheDirFlag, "/home/u/.kube/cache", "Default cache directory")
	})
	src, err := Generate(live, shared, "/home/u/.kube/cache")
	require.NoError(t, err)
	s := string(src)
	assert.Contains(t, s, `{Name: "namespace", Shorthand: "n", Type: "string", Default: "", Usage: "If present, the namespace scope", Hidden: false, Deprecated: ""},`)
	assert.Contains(t, s, `{Name: "insecure-skip-tls-verify", Shorthand: "", Type: "bool", Default: "false",`)
	assert.Contains(t, s, `{Name: "as-group", Shorthand: "", Type: "stringArray", Default: "",`)
	assert.Contains(t, s, `{Name: "cache-dir", Shorthand: "", Type: "string", Default: "",`, "the machine's home directory stays out of the file")
	assert.Contains(t, s, `{Use: "proxy-status [<pod>]", Aliases: []string{"ps"}, Short: "Show sync status", Long: "Long `+"`text`"+`\nwith lines.", Example: "  xdsctl ps", Hidden: false},`)
	assert.NotContains(t, s, `Use: "version"`, "a command xdsctl runs itself gets no stand-in")
}

func TestGenerateRefuses(t *testing.T) {
	cases := map[string]struct {
		flags func(*cobra.Command)
		want  string
	}{
		"int flag": {func(c *cobra.Command) { c.PersistentFlags().Int("retries", 3, "") },
			`--retries: front cannot declare a int flag with default "3" and no-option default "": teach front's kubeFlags.AddFlags`},
		"array with a default": {func(c *cobra.Command) { c.PersistentFlags().StringArray("as-group", []string{"x"}, "") },
			`--as-group: front cannot declare a stringArray flag with default "[x]" and no-option default "": teach front's kubeFlags.AddFlags`},
		"cache dir elsewhere": {func(c *cobra.Command) { c.PersistentFlags().String(CacheDirFlag, "/var/cache", "") },
			`--cache-dir defaults to "/var/cache" in xdsctl-live but front computes "/home/u/.kube/cache": update front.DefaultCacheDir`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			live, shared := trees(tc.flags)
			_, err := Generate(live, shared, "/home/u/.kube/cache")
			assert.EqualError(t, err, tc.want)
		})
	}
}
