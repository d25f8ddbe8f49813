package ui_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xdsctl/xdsctl/internal/cmd/root"
	"github.com/xdsctl/xdsctl/internal/iostreams"
)

// TestClustersFlagErrors: every misuse of --clusters is one line naming it, before anything is
// served: a usage error (exit 2) without -f, or a file that cannot be read as /clusters (exit 1).
func TestClustersFlagErrors(t *testing.T) {
	const dump = "../proxyconfig/demodata/config_dump.json"
	dir := t.TempDir()
	write := func(name, data string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(data), 0o644))
		return p
	}
	text := write("clusters.txt", "outbound|9080||reviews.default.svc.cluster.local::default_priority::max_connections::4294967295\n")
	array := write("array.json", "[]\n")
	for _, tc := range []struct {
		args string
		want string
		code int
	}{
		{"--demo --clusters c.json", "--clusters reads a saved /clusters?format=json beside -f; a live proxy's or the demo's is read by itself", 2},
		{"reviews-v1 --clusters c.json", "--clusters reads a saved /clusters?format=json beside -f; a live proxy's or the demo's is read by itself", 2},
		{"--admin http://127.0.0.1:1 --clusters c.json", "--clusters reads a saved /clusters?format=json beside -f; a live proxy's or the demo's is read by itself", 2},
		{"-f - --clusters -", "only one of -f and --clusters can read standard input", 2},
		{"-f " + dump + " --cluster ../proxyconfig/demodata/clusters.json",
			`--cluster names a kubeconfig cluster, but "../proxyconfig/demodata/clusters.json" is a file: give a saved /clusters?format=json with --clusters`, 2},
		{"-f " + dump + " --clusters missing.json", `--clusters "missing.json" does not exist`, 1},
		{"-f " + dump + " --clusters " + dir, `--clusters "` + dir + `" is a directory; give the path of a saved Envoy /clusters?format=json`, 1},
		{"-f " + dump + " --clusters " + dump, `--clusters "` + dump + `": input is a /config_dump, not /clusters?format=json output`, 1},
		{"-f " + dump + " --clusters ../proxyconfig/demodata/server_info.json",
			`--clusters "../proxyconfig/demodata/server_info.json": input is not /clusters?format=json output: JSON without "cluster_statuses"`, 1},
		{"-f " + dump + " --clusters " + text, `--clusters "` + text + `": input is the text form of /clusters; fetch /clusters?format=json instead`, 1},
		{"-f " + dump + " --clusters " + array, `--clusters "` + array + `": input is not /clusters?format=json output: a JSON array (want an object with "cluster_statuses")`, 1},
	} {
		t.Run(tc.args, func(t *testing.T) {
			ios, _, out, errOut := iostreams.Test()
			code := root.Run(context.Background(), root.NewFactory(ios), append([]string{"ui", "--port", "1"}, strings.Fields(tc.args)...))
			assert.Equal(t, tc.code, code, errOut.String())
			assert.Empty(t, out.String(), "nothing is served")
			first, _, _ := strings.Cut(errOut.String(), "\n")
			assert.Equal(t, "Error: "+tc.want, first)
		})
	}
}
