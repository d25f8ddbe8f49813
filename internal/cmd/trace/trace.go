// Package trace is `xdsctl trace`: follow one connection or HTTP request through an Envoy
// proxy's configuration (pkg/trace), or run route tests written for Envoy's router_check_tool.
package trace

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/xdsctl/xdsctl/internal/admin"
	"github.com/xdsctl/xdsctl/internal/cmd/proxyconfig"
	"github.com/xdsctl/xdsctl/internal/cmdutil"
	"github.com/xdsctl/xdsctl/internal/inputfile"
	"github.com/xdsctl/xdsctl/internal/iostreams"
	"github.com/xdsctl/xdsctl/pkg/trace"
)

// Options are the options of `xdsctl trace`.
type Options struct {
	IO     *iostreams.IOStreams
	Source cmdutil.SourceOptions
	Output cmdutil.OutputOptions

	To          string
	Inbound     bool
	Listener    string
	Host        string
	Path        string
	Method      string
	Headers     []string
	SNI         string
	ALPN        []string
	TCP         bool
	TLS         bool
	SourceAddr  string
	RandomValue uint64
	RandomSet   bool

	// Demo reads the example proxy built into xdsctl (proxy-config's --demo).
	Demo bool

	Tests            string
	RouteConfig      string
	OnlyShowFailures bool

	conn *trace.Connection
	req  *trace.Request
}

// NewCmdTrace returns `xdsctl trace`.
func NewCmdTrace(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams}
	cmd := &cobra.Command{
		Use:   "trace {<pod>[.<namespace>] | -l <selector> | --admin <url> | --file <path>} {--to <ip:port> [flags] | --tests <file>}",
		Short: "Follow a connection or request through an Envoy proxy's configuration, or run route tests",
		Long: `Follow one connection or HTTP request through an Envoy proxy's configuration the way Envoy
decides, and print each decision and why: the listener (on an Istio sidecar, virtualOutbound's
hand-off to the listener of the original destination, or virtualInbound with --inbound), the
listener filters, the filter chain (in Envoy's documented match order), the network filters, the
virtual host, the route, its action (cluster, weighted pick, redirect, direct response, rewrites)
and the cluster's endpoints. When nothing matches it says where the traffic stops (no listener,
no filter chain, 404 NR, a reset).

With --tests FILE it runs route tests written in the format of Envoy's router_check_tool against
a route configuration (a bare RouteConfiguration file, or one of a dump's: --route-config NAME),
and exits with status 3 when any test fails, so routes can be tested in CI without building Envoy.

trace is an emulation of Envoy's matching rules, not Envoy: see docs/trace.md for what it models.`,
		Example: `# why does a request to reviews:9080/api go where it goes?
xdsctl trace productpage-v1-7bbd79f8fd-k6j79 --to 10.96.12.7:9080 --host reviews:9080 --path /api

# inbound mTLS traffic on a saved dump
xdsctl trace -f dump.json --inbound --to 10.44.0.11:9080 --tls --alpn istio-http/1.1

# the example proxy built into xdsctl: DNS to kube-dns, with endpoint health
xdsctl trace --demo --to 10.96.0.10:53 --tcp

# a plain TCP connection, as JSON
xdsctl trace -f dump.json --to 10.96.0.10:9080 --tcp -o json

# route tests in router_check_tool's format, against a route configuration file
xdsctl trace -f routes.yaml --tests tests.yaml --only-show-failures`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.RandomSet = cmd.Flags().Changed("random-value")
			if err := opts.validate(cmd, args); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return run(cmd.Context(), f, opts)
		},
	}
	cmdutil.AddSourceFlags(cmd, &opts.Source)
	fl := cmd.Flags()
	fl.BoolVar(&opts.Demo, "demo", false, "Read the example proxy built into xdsctl (a bookinfo sidecar assembled from real Envoy dumps) instead of a live proxy or a file")
	fl.StringVar(&opts.To, "to", "", "The destination `ip:port` of the connection")
	fl.BoolVar(&opts.Inbound, "inbound", false, "Trace inbound traffic (an Istio sidecar's virtualInbound listener)")
	fl.StringVar(&opts.Listener, "listener", "", "Start at the listener of this `name` (an internal listener, such as a waypoint's main_internal)")
	fl.StringVar(&opts.Host, "host", "", "The request's Host (:authority) (default: the --to address)")
	fl.StringVar(&opts.Path, "path", "/", "The request's path, with its query string")
	fl.StringVar(&opts.Method, "method", "GET", "The request's method")
	fl.StringArrayVarP(&opts.Headers, "header", "H", nil, "A request header, `'name: value'` (repeatable)")
	fl.StringVar(&opts.SNI, "sni", "", "The TLS server name the client sends (with --tls)")
	fl.StringSliceVar(&opts.ALPN, "alpn", nil, "The application protocols the client offers, comma-separated (e.g. istio-http/1.1, h2)")
	fl.BoolVar(&opts.TCP, "tcp", false, "The client speaks no HTTP: trace the connection only")
	fl.BoolVar(&opts.TLS, "tls", false, "The client starts a TLS handshake")
	fl.StringVar(&opts.SourceAddr, "source", "", "The client's address, `ip[:port]`, for source matches")
	fl.Uint64Var(&opts.RandomValue, "random-value", 0, "The request's random value, for runtime fractions and weighted clusters (default: 0, said in the steps)")
	fl.StringVar(&opts.Tests, "tests", "", "Run the route tests in `file` (router_check_tool's YAML or JSON format)")
	fl.StringVar(&opts.RouteConfig, "route-config", "", "With --tests: the route configuration of a dump to test, by `name`")
	fl.BoolVar(&opts.OnlyShowFailures, "only-show-failures", false, "With --tests: print only the tests that fail")
	cmdutil.AddOutputFlags(cmd, &opts.Output, "short")
	return cmd
}

func (o *Options) validate(cmd *cobra.Command, args []string) error {
	if o.Demo {
		if len(args) > 0 || o.Source.File != "" || o.Source.Selector != "" || o.Source.AdminURL != "" {
			return cmdutil.FlagErrorf("--demo reads the built-in example; drop the <pod>, -l, --admin or --file")
		}
	} else if err := o.Source.Validate(args); err != nil {
		return err
	}
	if err := o.Output.Validate(); err != nil {
		return err
	}
	if o.Tests != "" {
		for _, fl := range []string{"to", "inbound", "listener", "host", "path", "method", "header", "sni", "alpn", "tcp", "tls", "source", "random-value"} {
			if cmd.Flags().Changed(fl) {
				return cmdutil.FlagErrorf("--%s traces one request; --tests takes each test's request from the file: drop --%s", fl, fl)
			}
		}
		if o.Tests == "-" && o.Source.File == "-" {
			return cmdutil.FlagErrorf("-f - and --tests - both read standard input: give one of them a file")
		}
		return nil
	}
	for _, fl := range []string{"route-config", "only-show-failures"} {
		if cmd.Flags().Changed(fl) {
			return cmdutil.FlagErrorf("--%s works with --tests <file>", fl)
		}
	}
	if o.To == "" {
		return cmdutil.FlagErrorf("give --to <ip:port>, the destination to trace (or --tests <file> to run route tests)")
	}
	spec := trace.Spec{To: o.To, Host: o.Host, Headers: o.Headers, Inbound: o.Inbound, TCP: o.TCP, TLS: o.TLS, SNI: o.SNI,
		ALPN: o.ALPN, Source: o.SourceAddr, Listener: o.Listener}
	if cmd.Flags().Changed("path") || !o.TCP { // their defaults (/, GET) are no request of a TCP trace
		spec.Path = o.Path
	}
	if cmd.Flags().Changed("method") || !o.TCP {
		spec.Method = o.Method
	}
	if o.RandomSet {
		spec.Random = strconv.FormatUint(o.RandomValue, 10)
	}
	conn, req, err := spec.Build()
	var se *trace.SpecError
	if errors.As(err, &se) {
		err := cmdutil.FlagErrorf("%s", se.Say(flagName))
		if h, _, ok := strings.Cut(o.To, ":"); se.Field == "to" && ok && h != "" && !strings.ContainsAny(h, "[]") && !isIP(h) {
			return cmdutil.WithHint(err, fmt.Sprintf("--to is the address the connection goes to: for a service, its ClusterIP (kubectl get svc %s), with --host %s for the Host header", strings.Split(h, ".")[0], o.To))
		}
		return err
	}
	if err != nil {
		return err
	}
	o.conn, o.req = conn, req
	return nil
}

// flagName is how a trace.Spec field is given on the command line.
func flagName(field string) string {
	if field == "header" {
		return "-H"
	}
	return "--" + field
}

func run(ctx context.Context, f *cmdutil.Factory, o *Options) error {
	if o.Tests != "" {
		return runTests(ctx, f, o)
	}
	paths := []string{admin.PathConfigDumpWithEDS, admin.PathClustersJSON}
	if o.Demo {
		return traceInputs(f.IOStreams, o, proxyconfig.DemoInputs(paths...))
	}
	inputs, err := proxyconfig.LoadInputs(ctx, f, &o.Source, paths, nil)
	if err != nil {
		return err
	}
	return traceInputs(f.IOStreams, o, inputs)
}

func readTests(f *cmdutil.Factory, o *Options) (*trace.TestFile, error) {
	data, err := inputfile.Read(o.Tests, f.IOStreams.In)
	if err != nil {
		return nil, err
	}
	tf, err := trace.ReadTests(data)
	if err != nil {
		return nil, cmdutil.WithHint(fmt.Errorf("route tests %q: %w", o.Tests, err), "the file is router_check_tool's format: tests: [{test_name, input: {authority, path, method}, validate: {cluster_name, ...}}]")
	}
	return tf, nil
}

func plural(n int, one string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + one + "s"
}

// isIP tells whether s is an IP address (then a bad --to is a bad port, not a service name).
func isIP(s string) bool {
	_, err := netip.ParseAddr(s)
	return err == nil
}
