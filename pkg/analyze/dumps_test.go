package analyze_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/xdsctl/xdsctl/internal/testutil"
	"github.com/xdsctl/xdsctl/pkg/analyze"
	"github.com/xdsctl/xdsctl/pkg/configdump"
)

// fragments are the dumps of testdata that are not whole configurations of one working proxy,
// with why: errors found in them are real inconsistencies of the file (recorded in the golden),
// not false alarms. Every other dump must give no error.
var fragments = map[string]string{
	"proxyconfig__config_dump.json":                                                         "istioctl test input trimmed to 3 clusters: its waypoint routes and tcp_proxy name clusters (encap, inbound-vip|8100|...) cut out of it",
	"describe__describe__http_config.json":                                                  "istioctl describe fragment: RDS plus one subset cluster; the routes' plain cluster was left out",
	"writer__compare__configdump.json":                                                      "istioctl proxy-status diff input: 1 of the waypoint's clusters kept",
	"writer__compare__configdump_diff.json":                                                 "same as writer__compare__configdump.json, edited",
	"writer__envoy__configdump__secret__spire__config_dump.json":                            "istioctl secrets golden input: its certificate's NotBefore (2024-10-27) is after the secrets' last_updated (2024-10-25), so it was put in later",
	"istioctl__pkg__util__configdump__testdata__configdump@2018-07-02.json":                 "istioctl test input trimmed to 2 clusters",
	"pkg__test__framework__components__echo__common__testdata__config_dump@2020-07-22.json": "Istio test input edited when Mixer was removed: route configurations 15004 and 9091 deleted, their listeners kept",
	"writer__envoy__configdump__secret__istio__config_dump.json":                            "istioctl secrets golden input: a warming secret received in 2025 beside an active certificate that expired in 2023",
	"template-sidecar.json":                                                                 "synthetic composite of pieces of several dumps (see its PROVENANCE)",
	"pkg__cli__verifier__testdata__sample-envoy-config-dump-bookstore.json":                 "real OSM capture whose route rds-outbound splits traffic to clusters bookstore/bookstore-v1 and -v2 that the proxy does not have: a real broken reference",
}

// dumpTime is the time certificates are checked at for a saved dump: the latest time a secret
// arrived (else any resource), so a dump saved years ago does not report them expired.
func dumpTime(d *configdump.Dump) time.Time {
	var latest time.Time
	see := func(s string) {
		if t, err := time.Parse(time.RFC3339Nano, s); err == nil && t.After(latest) {
			latest = t
		}
	}
	if secrets, _, err := d.Secrets(); err == nil {
		for _, s := range secrets {
			see(s.LastUpdated)
		}
	}
	if latest.IsZero() {
		if cs, err := d.Clusters(); err == nil {
			for _, c := range cs {
				see(c.LastUpdated)
			}
		}
	}
	if latest.IsZero() {
		latest = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	return latest
}

func analyzeFile(t *testing.T, p string) (*analyze.Result, bool) {
	t.Helper()
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	d, err := configdump.ParseLenient(data)
	if err != nil {
		return nil, false // not a config dump: a /clusters output, an xDS response
	}
	res, err := analyze.Analyze(analyze.Input{Dump: d}, analyze.Options{Now: dumpTime(d), Schema: true})
	if err != nil {
		t.Errorf("%s: %v", p, err)
		return nil, false
	}
	return res, true
}

// TestNoErrorsOnRealDumps: the dumps of testdata come from proxies Envoy ran, so analyze must find
// no error in them, except in the fragments listed above, whose findings the golden records.
func TestNoErrorsOnRealDumps(t *testing.T) {
	var files []string
	err := filepath.WalkDir("../../testdata/dumps", func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && filepath.Ext(p) == ".json" {
			files = append(files, p)
		}
		return err
	})
	if err != nil || len(files) == 0 {
		t.Fatalf("no dumps under ../../testdata/dumps: %v", err)
	}
	// the workspace's shared copies, when this runs where they are
	_ = filepath.WalkDir("/work/shared/testdata/dumps", func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && filepath.Ext(p) == ".json" {
			files = append(files, p)
		}
		return nil
	})
	var golden bytes.Buffer
	for _, p := range files {
		res, ok := analyzeFile(t, p)
		if !ok {
			continue
		}
		base := filepath.Base(p)
		_, fragment := fragments[base]
		counts := map[string]int{}
		for _, f := range res.Findings {
			counts[f.Code]++
			if f.Severity == analyze.Error && !fragment {
				t.Errorf("%s: %s %s %s", p, f.Code, f.Resource, f.Message)
			}
		}
		if filepath.Dir(filepath.Dir(p)) != "../../testdata/dumps" {
			continue
		}
		rel, _ := filepath.Rel("../../testdata/dumps", p)
		codes := make([]string, 0, len(counts))
		for c, n := range counts {
			codes = append(codes, fmt.Sprintf("%s×%d", c, n))
		}
		sort.Strings(codes)
		fmt.Fprintf(&golden, "%s: %d findings %v\n", rel, len(res.Findings), codes)
		for _, f := range res.Findings {
			if f.Severity == analyze.Error {
				fmt.Fprintf(&golden, "  %s %s %s\n", f.Code, f.Resource, f.Message)
			}
		}
	}
	testutil.Golden(t, "testdata/realdumps.golden", golden.Bytes())
}

func TestFragmentsExist(t *testing.T) {
	for name := range fragments {
		matches, _ := filepath.Glob(filepath.Join("../../testdata/dumps/*", name))
		if len(matches) == 0 {
			t.Errorf("fragment %s is not in ../../testdata/dumps any more: drop it from the list", name)
		}
	}
}
