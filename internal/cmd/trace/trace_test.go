package trace

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xdsctl/xdsctl/internal/cmdutil"
	"github.com/xdsctl/xdsctl/internal/iostreams"
	"github.com/xdsctl/xdsctl/internal/testutil"
)

const (
	bookinfo  = "../../../testdata/dumps/bookinfo-1.5/productpage-config-dump@istio1.5.4-strictmtls.json"
	synthetic = "../../../testdata/dumps/synthetic/template-sidecar.json"
	front     = "testdata/front-proxy.json"
	// Envoy's front-proxy sandbox bootstrap (testdata/static, see PROVENANCE.tsv there)
	sandbox = "../../../testdata/static/front-proxy.yaml"
	bare    = "../../../testdata/static/synthetic-routes.yaml"
)

type result struct {
	stdout, stderr string
	err            error
}

func (r result) errText() string {
	if r.err == nil {
		return ""
	}
	s := "Error: " + r.err.Error() + "\n"
	if h := cmdutil.HintOf(r.err); h != "" {
		s += "Hint: " + h + "\n"
	}
	return s
}

func runTrace(t *testing.T, args string) result {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	f := &cmdutil.Factory{
		IOStreams: ios,
		Now:       func() time.Time { return time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC) },
		Resolver:  func() (cmdutil.TargetResolver, error) { return nil, errors.New("no Kubernetes cluster in tests") },
	}
	argv := testutil.Args(args)
	cmd := NewCmdTrace(f, nil)
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	cmd.SetArgs(argv)
	cmd.SetOut(out)
	cmd.SetErr(errOut)
	_, err := cmd.ExecuteContextC(context.Background())
	return result{stdout: out.String(), stderr: errOut.String(), err: err}
}

// End to end on real Istio sidecar dumps (testdata/dumps, see PROVENANCE) and a static
// front-proxy configuration: goldens of the steps and the outcome.
func TestTraceGolden(t *testing.T) {
	tests := []struct{ name, args string }{
		// Istio 1.5.4 productpage sidecar, STRICT mTLS
		{"outbound-http", "-f " + bookinfo + " --to 10.100.1.1:9080 --host reviews:9080 --path /api"},
		{"normalize-path", "-f " + bookinfo + " --to 10.100.1.1:9080 --host reviews:9080 --path '/a/../api//x?y=1'"},
		{"unknown-host-allow-any", "-f " + bookinfo + " --to 10.100.1.1:9080 --host unknown.example:9080"},
		{"wrong-port-passthrough", "-f " + bookinfo + " --to 10.100.1.1:9080 --host reviews:9999 --path /api"},
		{"own-ip-blackhole", "-f " + bookinfo + " --to 10.44.0.11:8080 --host productpage:8080"},
		{"inbound-plaintext-strict-mtls", "-f " + bookinfo + " --inbound --to 10.44.0.11:9080"},
		{"inbound-mtls", "-f " + bookinfo + " --inbound --to 10.44.0.11:9080 --tls --alpn istio --path /productpage"},
		{"no-listener-tcp", "-f " + bookinfo + " --to 10.100.1.1:7777 --tcp"},
		// a recent Istio sidecar's listeners (synthetic composite of real pieces)
		{"tcp-to-http-port-default-chain", "-f " + synthetic + " --to 10.100.1.1:9080 --tcp"},
		{"outbound-http-missing-rds", "-f " + synthetic + " --to 10.100.1.1:9080 --host reviews:9080"},
		{"inbound-plaintext", "-f " + synthetic + " --inbound --to 10.244.0.22:8080 --source 10.244.0.9:40000"},
		{"inbound-mtls-alpn", "-f " + synthetic + " --inbound --to 10.244.0.22:8080 --tls --alpn istio-http/1.1"},
		{"inbound-mtls-tcp-alpn", "-f " + synthetic + " --inbound --to 10.244.0.22:3306 --tls --alpn istio"},
		// Envoy's front-proxy shape: static listener, inline routes, STRICT_DNS clusters
		{"front-proxy", "-f " + front + " --to 127.0.0.1:8080 --host localhost:8080 --path /service/2/x"},
		{"front-proxy-canary", "-f " + front + " --to 127.0.0.1:8080 --path /canary --random-value 95"},
		{"front-proxy-404", "-f " + front + " --to 127.0.0.1:8080 --path /nothing -H 'x-debug: 1'"},
		{"front-proxy-no-listener", "-f " + front + " --to 127.0.0.1:9090"},
		// plain Envoys with dynamic config: an Envoy Gateway proxy and an Istio 1.5 ingress gateway
		{"envoy-gateway", "-f ../../../testdata/dumps/envoy-gateway/egctl-config-in.all.json --to 10.0.0.5:10080 --host www.example.com"},
		{"ingress-gateway-no-gateway", "-f '../../../testdata/dumps/bookinfo-1.5/ingressgateway_config_dump@istio1.5.4.json' --to 10.0.0.5:80 --host bookinfo.example.com --path /productpage"},
		// an Istio ambient waypoint: its internal listener main_internal and its filter_chain_matcher
		{"waypoint-vip-http", "-f ../../../testdata/dumps/istio/proxyconfig__config_dump.json --listener main_internal --to 10.104.171.68:8000 --host httpbin:8000"},
		{"waypoint-direct-tcp", "-f ../../../testdata/dumps/istio/proxyconfig__config_dump.json --listener main_internal --to 192.168.195.248:80 --tcp"},
		{"no-such-listener", "-f ../../../testdata/dumps/istio/proxyconfig__config_dump.json --listener nope --to 1.2.3.4:80"},
		// an Open Service Mesh sidecar: iptables redirect to listeners with an original_dst filter
		{"osm-outbound", "-f ../../../testdata/dumps/osm/pkg__cli__verifier__testdata__sample-envoy-config-dump-bookstore.json --to 10.96.196.30:14001 --host bookstore.bookstore:14001 --path /books-bought --random-value 60"},
		{"osm-inbound-mtls", "-f ../../../testdata/dumps/osm/pkg__cli__verifier__testdata__sample-envoy-config-dump-bookstore.json --inbound --to 10.0.0.5:14001 --tls --sni bookstore-v1.bookstore.svc.cluster.local --alpn osm --host bookstore-v1.bookstore:14001 --path /books-bought -H 'user-agent: bookbuyer-http-client/1.0' -H 'client-app: bookbuyer'"},
		// the example proxy built into xdsctl: /clusters gives the endpoints' health
		{"demo-dns", "--demo --to 10.96.0.10:53 --tcp"},
		{"many-routes-collapsed", "-f testdata/many-routes.yaml --to 10.0.0.1:8080 --path /nowhere"},
		// Envoy's own front-proxy sandbox bootstrap, read as Envoy would load it
		{"sandbox-front-proxy", "-f " + sandbox + " --to 172.18.0.2:8080 --host localhost:8080 --path /service/1"},
		{"sandbox-front-proxy-tls", "-f " + sandbox + " --to 172.18.0.2:8443 --tls --sni localhost --path /service/2"},
		{"sandbox-front-proxy-plaintext-on-tls", "-f " + sandbox + " --to 172.18.0.2:8443 --path /service/2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runTrace(t, tt.args)
			require.NoError(t, r.err)
			assert.Empty(t, r.stderr)
			testutil.Golden(t, filepath.Join("testdata", "trace", tt.name+".short.golden"), []byte(r.stdout))
		})
	}
}

func TestTraceJSON(t *testing.T) {
	for _, tt := range []struct{ name, args string }{
		{"outbound-http", "-f " + bookinfo + " --to 10.100.1.1:9080 --host reviews:9080 --path /api -o json"},
		{"front-proxy-canary", "-f " + front + " --to 127.0.0.1:8080 --path /canary --random-value 95 -o json"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := runTrace(t, tt.args)
			require.NoError(t, r.err)
			testutil.Golden(t, filepath.Join("testdata", "trace", tt.name+".json.golden"), []byte(r.stdout))
		})
	}
	r := runTrace(t, "-f "+front+" --to 127.0.0.1:8080 --path /service/1 --jq .cluster")
	require.NoError(t, r.err)
	assert.Equal(t, "service1\n", r.stdout)
}

// Route tests in router_check_tool's format: results, only failures, JSON, exit status 3.
func TestRouteTests(t *testing.T) {
	tests := []struct{ name, args, format string }{
		{"all", "-f testdata/routes.yaml --tests testdata/tests.yaml", "short"},
		{"only-failures", "-f testdata/routes.yaml --tests testdata/tests.yaml --only-show-failures", "short"},
		{"all", "-f testdata/routes.yaml --tests testdata/tests.yaml -o json", "json"},
		{"front-dump", "-f " + front + " --tests testdata/tests.yaml --route-config local_route --only-show-failures", "short"},
	}
	for _, tt := range tests {
		t.Run(tt.name+"."+tt.format, func(t *testing.T) {
			r := runTrace(t, tt.args)
			var pe *cmdutil.ProblemsError
			require.ErrorAs(t, r.err, &pe)
			assert.Equal(t, 3, cmdutil.ExitCode(r.err))
			testutil.Golden(t, filepath.Join("testdata", "tests", tt.name+"."+tt.format+".golden"), []byte(r.stdout+r.errText()))
		})
	}
	r := runTrace(t, "-f "+bare+" --tests testdata/edge-tests.yaml --route-config edge-routes")
	require.NoError(t, r.err)
	testutil.Golden(t, filepath.Join("testdata", "tests", "bare-route-configs.short.golden"), []byte(r.stdout))

	dir := t.TempDir()
	pass := filepath.Join(dir, "pass.yaml")
	require.NoError(t, os.WriteFile(pass, []byte("tests:\n- test_name: ok\n  input: {authority: www.example.com, path: /, method: GET}\n  validate: {cluster_name: web}\n"), 0o644))
	r = runTrace(t, "-f testdata/routes.yaml --tests "+pass)
	require.NoError(t, r.err)
	assert.Equal(t, "PASS  ok\n1 passed, 0 failed\n", r.stdout)
}

func TestTraceErrors(t *testing.T) {
	tests := []struct{ name, args, want string }{
		{"no source", "--to 1.2.3.4:80", "give a <pod>[.<namespace>], -l <selector>, --admin <url> or --file <path>"},
		{"no to", "-f " + front, "give --to <ip:port>"},
		{"bad to", "-f " + front + " --to reviews:9080", `--to "reviews:9080" is not an ip:port`},
		{"bad port", "-f " + front + " --to 1.2.3.4:99999", `--to "1.2.3.4:99999" is not an ip:port`},
		{"bad header", "-f " + front + " --to 1.2.3.4:80 -H nocolon", `-H "nocolon" is not 'name: value'`},
		{"bad source", "-f " + front + " --to 1.2.3.4:80 --source x", `--source "x" is not an ip or ip:port`},
		{"sni without tls", "-f " + front + " --to 1.2.3.4:80 --sni a", "--sni is the server name of a TLS handshake: add --tls"},
		{"tcp with path", "-f " + front + " --to 1.2.3.4:80 --tcp --path /x", "--tcp traces a connection that is not HTTP: leave out --path"},
		{"bad path", "-f " + front + " --to 1.2.3.4:80 --path x", `--path "x" does not start with /`},
		{"tests with to", "-f " + front + " --tests x --to 1.2.3.4:80", "--to traces one request; --tests takes each test's request from the file"},
		{"route-config without tests", "-f " + front + " --to 1.2.3.4:80 --route-config x", "--route-config works with --tests <file>"},
		{"missing file", "-f nope.json --to 1.2.3.4:80", "nope.json"},
		{"missing tests", "-f testdata/routes.yaml --tests nope.yaml", "nope.yaml"},
		{"bad tests", "-f testdata/routes.yaml --tests testdata/routes.yaml", `route tests "testdata/routes.yaml": read tests: json: unknown field "name"`},
		{"dump with many route configs", "-f " + bookinfo + " --tests testdata/tests.yaml", "the dump has 25 route configurations: pick one with --route-config <name>"},
		{"unknown route config", "-f " + bookinfo + " --tests testdata/tests.yaml --route-config nope", `the dump has no route configuration "nope"`},
		{"inbound and listener", "-f " + front + " --to 1.2.3.4:80 --inbound --listener x", "--inbound enters virtualInbound; --listener names another"},
		{"demo and file", "--demo -f x --to 1.2.3.4:80", "--demo reads the built-in example; drop the <pod>, -l, --admin or --file"},
		{"both on stdin", "-f - --tests -", "-f - and --tests - both read standard input"},
		{"input without listeners", "-f ../../../testdata/static/synthetic-routes.yaml --to 1.2.3.4:80", "the input has no listeners in use"},
		{"not a dump", "-f testdata/tests.yaml --to 1.2.3.4:80", "testdata/tests.yaml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runTrace(t, tt.args)
			require.Error(t, r.err)
			assert.Contains(t, r.err.Error(), tt.want)
			if tt.name == "bad port" { // an IP with a bad port is not a service name: no kubectl hint
				assert.Empty(t, cmdutil.HintOf(r.err))
			}
			assert.Empty(t, r.stdout)
			assert.NotContains(t, r.errText(), "panic")
			if strings.HasPrefix(tt.name, "no ") || strings.HasPrefix(tt.name, "bad ") && tt.name != "bad tests" {
				var fe *cmdutil.FlagError
				assert.True(t, errors.As(r.err, &fe), "a usage error exits 2")
			}
		})
	}
}
