package kubetest_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/xdsctl/xdsctl/internal/kube/kubetest"
)

func do(t *testing.T, method, url string) (int, []byte, error) {
	t.Helper()
	req, _ := http.NewRequest(method, url, nil)
	resp, err := (&http.Client{Timeout: 2 * time.Second}).Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, body, err
}

func types(t *testing.T, body []byte) []string {
	t.Helper()
	var d struct {
		Configs []map[string]json.RawMessage `json:"configs"`
	}
	if err := json.Unmarshal(body, &d); err != nil {
		t.Fatalf("%v: %.200s", err, body)
	}
	var out []string
	for _, c := range d.Configs {
		var ty string
		_ = json.Unmarshal(c["@type"], &ty)
		keys := []string{}
		for k := range c {
			if k != "@type" {
				keys = append(keys, k)
			}
		}
		_ = keys
		out = append(out, strings.TrimPrefix(ty, "type.googleapis.com/envoy.admin.v3."))
	}
	return out
}

func TestEnvoyAdminConfigDump(t *testing.T) {
	a := kubetest.NewEnvoyAdmin(t, dump)
	raw, _ := os.ReadFile(dump)

	_, withEDS, _ := do(t, "GET", a.URL()+"/config_dump?include_eds")
	if !bytes.Equal(withEDS, raw) {
		t.Errorf("?include_eds is not the dump byte for byte")
	}
	_, plain, _ := do(t, "GET", a.URL()+"/config_dump")
	got := strings.Join(types(t, plain), ",")
	if want := "BootstrapConfigDump,ClustersConfigDump,ListenersConfigDump,ScopedRoutesConfigDump,RoutesConfigDump,SecretsConfigDump"; got != want {
		t.Errorf("/config_dump sections %s, want %s (no EDS without include_eds)", got, want)
	}
	_, res, _ := do(t, "GET", a.URL()+"/config_dump?resource=dynamic_active_clusters")
	for _, ty := range types(t, res) {
		if ty != "ClustersConfigDump.DynamicCluster" {
			t.Errorf("?resource=dynamic_active_clusters gave a %s", ty)
		}
	}
	if n := len(types(t, res)); n != 1 {
		t.Errorf("?resource=dynamic_active_clusters gave %d items, want 1", n)
	}
	_, masked, _ := do(t, "GET", a.URL()+"/config_dump?mask=version_info")
	var d struct {
		Configs []map[string]any `json:"configs"`
	}
	_ = json.Unmarshal(masked, &d)
	for _, c := range d.Configs {
		for k := range c {
			if k != "@type" && k != "version_info" {
				t.Errorf("?mask=version_info kept %s", k)
			}
		}
	}
	if code, _, _ := do(t, "GET", a.URL()+"/config_dump?resource=nonsense"); code != 404 {
		t.Errorf("?resource=nonsense answered %d, want 404", code)
	}
	if code, body, _ := do(t, "GET", a.URL()+"/server_info"); code != 200 || !bytes.Contains(body, []byte(`"state":"LIVE"`)) {
		t.Errorf("/server_info: %d %s", code, body)
	}
	if code, body, _ := do(t, "GET", a.URL()+"/ready"); code != 200 || string(body) != "LIVE\n" {
		t.Errorf("/ready: %d %q", code, body)
	}
	if code, body, _ := do(t, "GET", a.URL()+"/clusters?format=json"); code != 200 || string(body) != `{"cluster_statuses":[]}` {
		t.Errorf("/clusters?format=json: %d %s", code, body)
	}
	if n := len(a.Requests()); n != 8 {
		t.Errorf("Requests() has %d entries, want 8", n)
	}
	if a.Connections() < 1 {
		t.Errorf("Connections() = %d", a.Connections())
	}
}

func TestEnvoyAdminLogging(t *testing.T) {
	a := kubetest.NewEnvoyAdmin(t, "", kubetest.WithLogLevel("warning"))
	if code, body, _ := do(t, "GET", a.URL()+"/logging"); code != 405 || !strings.Contains(string(body), "POST required") {
		t.Errorf("GET /logging: %d %s", code, body)
	}
	code, body, _ := do(t, "POST", a.URL()+"/logging")
	if code != 200 || !strings.Contains(string(body), "active loggers:\n  admin: warning\n") {
		t.Errorf("POST /logging: %d %s", code, body)
	}
	do(t, "POST", a.URL()+"/logging?level=debug")
	do(t, "POST", a.URL()+"/logging?http=trace")
	do(t, "POST", a.URL()+"/logging?paths=router:error,grpc:off")
	l := a.Loggers()
	if l["admin"] != "debug" || l["http"] != "trace" || l["router"] != "error" || l["grpc"] != "off" {
		t.Errorf("levels after changes: admin=%s http=%s router=%s grpc=%s", l["admin"], l["http"], l["router"], l["grpc"])
	}
	code, body, _ = do(t, "POST", a.URL()+"/logging?nosuch=debug")
	if code != 404 || !strings.HasPrefix(string(body), "error: unknown logger name") {
		t.Errorf("unknown logger: %d %s", code, body)
	}
	if code, _, _ := do(t, "POST", a.URL()+"/logging?http=loud"); code != 404 {
		t.Errorf("unknown level answered %d", code)
	}
	if a.Loggers()["http"] != "trace" {
		t.Errorf("a rejected request changed a level")
	}
}

func TestEnvoyAdminFaults(t *testing.T) {
	a := kubetest.NewEnvoyAdmin(t, dump)

	a.SetFault(kubetest.Fault{Status: 503, Body: "no healthy upstream"})
	if code, body, _ := do(t, "GET", a.URL()+"/config_dump"); code != 503 || string(body) != "no healthy upstream" {
		t.Errorf("Status fault: %d %s", code, body)
	}
	a.SetFault(kubetest.Fault{DieAfter: 100})
	if _, body, err := do(t, "GET", a.URL()+"/config_dump"); !errors.Is(err, io.ErrUnexpectedEOF) || len(body) != 100 {
		t.Errorf("DieAfter fault: %d bytes, err %v", len(body), err)
	}
	a.SetFault(kubetest.Fault{Hang: true, Paths: []string{"/config_dump"}})
	if code, _, _ := do(t, "GET", a.URL()+"/ready"); code != 200 {
		t.Errorf("a fault limited to /config_dump hit /ready")
	}
	start := time.Now()
	if _, _, err := do(t, "GET", a.URL()+"/config_dump"); err == nil || time.Since(start) < 2*time.Second {
		t.Errorf("Hang fault answered (%v) after %s", err, time.Since(start))
	}
	a.SetFault(kubetest.Fault{})
	a.Close()
	if _, _, err := do(t, "GET", a.URL()+"/ready"); err == nil || !strings.Contains(err.Error(), "refused") {
		t.Errorf("after Close: %v, want connection refused", err)
	}
}
