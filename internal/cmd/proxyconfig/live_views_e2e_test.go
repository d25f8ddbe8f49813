package proxyconfig_test

// End-to-end tests of the live views that read more than /config_dump: endpoints
// (/clusters?format=json, or /config_dump?include_eds with --eds) and all --save.

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/xdsctl/xdsctl/internal/kube/kubetest"
)

const clustersJSON = "../../../testdata/dumps/istio-history/istioctl__pkg__writer__envoy__clusters__testdata__clusters@2019-08-15.json"

func TestLiveEndpoints(t *testing.T) {
	t.Parallel()
	c := kubetest.Shared(t)
	ns := c.Namespace(t)
	a := kubetest.NewEnvoyAdmin(t, dumpWaypoint, kubetest.WithClustersFile(clustersJSON))
	c.ProxyPod(t, ns, "ep", a, kubetest.PodOptions{})

	t.Run("clusters json", func(t *testing.T) {
		before := len(a.Requests())
		wantSame(t, xdsctl(t, admin(c), "pc", "endpoints", "ep."+ns), offline(t, clustersJSON, "pc", "endpoints"))
		if got := a.Requests()[before:]; len(got) != 1 || got[0].Path != "/clusters?format=json" {
			t.Errorf("requests %v, want one GET /clusters?format=json", got)
		}
	})
	t.Run("wide", func(t *testing.T) {
		wantSame(t, xdsctl(t, admin(c), "pc", "endpoints", "ep."+ns, "-o", "wide"), offline(t, clustersJSON, "pc", "endpoints", "-o", "wide"))
	})
	t.Run("eds", func(t *testing.T) {
		before := len(a.Requests())
		wantSame(t, xdsctl(t, admin(c), "pc", "endpoints", "ep."+ns, "--eds"), offline(t, dumpWaypoint, "pc", "endpoints"))
		if got := a.Requests()[before:]; len(got) != 1 || got[0].Path != "/config_dump?include_eds" {
			t.Errorf("requests %v, want one GET /config_dump?include_eds", got)
		}
	})
}

func TestLiveAllSave(t *testing.T) {
	t.Parallel()
	c := kubetest.Shared(t)
	ns := c.Namespace(t)
	a := kubetest.NewEnvoyAdmin(t, dumpWaypoint)
	c.ProxyPod(t, ns, "full", a, kubetest.PodOptions{})
	raw, err := os.ReadFile(dumpWaypoint)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "dump.json")
	r := xdsctl(t, admin(c), "pc", "all", "full."+ns, "--save", out)
	if r.code != 0 || r.stdout != "" || r.stderr != fmt.Sprintf("Note: saved %d bytes to %s\n", len(raw), out) {
		t.Fatalf("%s", r)
	}
	saved, err := os.ReadFile(out)
	if err != nil || string(saved) != string(raw) {
		t.Fatalf("the saved file is not the proxy's /config_dump?include_eds byte for byte (%v)", err)
	}
	// what was saved reads offline as the live proxy does
	wantSame(t, xdsctl(t, admin(c), "pc", "all", "full."+ns), offline(t, out, "pc", "all"))
	wantError(t, xdsctl(t, admin(c), "pc", "all", "-l", "app=x", "-n", ns, "--save", out), 2, "--save writes one proxy's config dump")
}
