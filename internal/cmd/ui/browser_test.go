package ui

import (
	neturl "net/url"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/xdsctl/xdsctl/internal/cmdutil"
	"github.com/xdsctl/xdsctl/internal/testutil"
)

// browserTools returns node and Chromium, or skips (fails under XDSCTL_E2E=1) when node,
// Chromium ($CHROMIUM, else Debian's /usr/bin/chromium) or web/node_modules is missing.
func browserTools(tb testing.TB) (node, chromium string) {
	tb.Helper()
	chromium = os.Getenv("CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	node, err := exec.LookPath("node")
	_, cerr := os.Stat(chromium)
	_, merr := os.Stat("web/node_modules/playwright-core")
	if err != nil || cerr != nil || merr != nil {
		msg := "browser test needs node, " + chromium + " and web/node_modules (cd internal/cmd/ui/web && npm ci)"
		if os.Getenv("XDSCTL_E2E") == "1" {
			tb.Fatal(msg)
		}
		tb.Skip(msg)
	}
	return node, chromium
}

// bigDump is hack/bigdumps.sh's 100 MB dump (gitignored).
const bigDump = "../../../testdata/big/dump-100mb.json"

// TestBrowser runs web/e2e/ui.e2e.mjs: the page in headless Chromium (Debian's chromium package,
// driven by playwright-core from web/node_modules) on the demo sidecar and on a dump with NACKed
// and warming resources. It skips when Chromium, node or web/node_modules is missing, unless
// XDSCTL_E2E=1, where a missing piece fails it. Screenshots go to $XDSCTL_ARTIFACTS/ui when set,
// else to the test's temporary directory.
//
// $XDSCTL_UI_WIDE is the page on testutil.WideDump's resources of 130 children each, paged;
// $XDSCTL_UI_FRONT the page on Envoy's front-proxy sandbox (two listeners without a name);
// $XDSCTL_UI_CLUSTERS the page on a saved dump and its saved /clusters (--clusters).
//
// With testdata/big/dump-100mb.json (./hack/bigdumps.sh), it also loads the page on it, searches and
// expands a listener, and compares it with itself.
//
// A second script, web/e2e/diff.e2e.mjs, tries the diff view (?diff=, --diff).
func TestBrowser(t *testing.T) {
	node, chromium := browserTools(t)
	shots := t.TempDir()
	if dir := os.Getenv("XDSCTL_ARTIFACTS"); dir != "" {
		shots = filepath.Join(dir, "ui")
		if err := os.MkdirAll(shots, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	demo := serve(t, &Options{Demo: true})
	states := serve(t, &Options{Source: cmdutil.SourceOptions{File: "../../../pkg/configdump/testdata/states.json"}})
	args := []string{"e2e/ui.e2e.mjs", demo, states, shots}
	// The diff view (e2e/diff.e2e.mjs): two dumps of one sidecar (--diff), the demo against its
	// own dump and against a missing file (?diff=).
	diffArgs := []string{"e2e/diff.e2e.mjs", serve(t, &Options{Source: cmdutil.SourceOptions{File: history2020}, Diff: history2019}),
		demo + "?diff=" + neturl.QueryEscape("../proxyconfig/demodata/config_dump.json"), demo + "?diff=missing.json", shots}
	if _, err := os.Stat(bigDump); err == nil {
		big := serve(t, &Options{Source: cmdutil.SourceOptions{File: bigDump}})
		args = append(args, big)
		diffArgs = append(diffArgs, big+"?diff="+neturl.QueryEscape(bigDump))
	} else {
		t.Logf("no %s (./hack/bigdumps.sh): the page is not tried on the 100 MB dump", bigDump)
	}
	// A dump whose listener, route configuration, virtual host and cluster have 130 children
	// each: the page pages past the first 60.
	wide := filepath.Join(t.TempDir(), "wide.json")
	if err := os.WriteFile(wide, testutil.WideDump(130), 0o644); err != nil {
		t.Fatal(err)
	}
	wideURL := serve(t, &Options{Source: cmdutil.SourceOptions{File: wide}})
	// Envoy's front-proxy sandbox: two listeners without a name.
	frontURL := serve(t, &Options{Source: cmdutil.SourceOptions{File: "../../../testdata/static/front-proxy.yaml"}})
	// A saved dump with its saved /clusters (--clusters), where one host is ejected.
	clustersURL := serve(t, &Options{Source: cmdutil.SourceOptions{File: brokenDump}, ClustersFile: brokenClusters})
	for _, a := range [][]string{args, diffArgs} {
		cmd := exec.Command(node, a...)
		cmd.Dir = "web"
		cmd.Env = append(os.Environ(), "CHROMIUM="+chromium, "XDSCTL_UI_WIDE="+wideURL, "XDSCTL_UI_FRONT="+frontURL, "XDSCTL_UI_CLUSTERS="+clustersURL)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("browser test %s failed: %v\n%s", a[0], err, out)
		}
	}
	t.Logf("screenshots in %s", shots)
}
