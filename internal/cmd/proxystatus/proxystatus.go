// Package proxystatus is `xdsctl proxy-status`: did every proxy get and accept what its control plane
// sent? The fleet form prints one row per proxy and xDS type; the target form compares one proxy's
// config with the control plane's view of it.
package proxystatus

import (
	"time"

	"github.com/spf13/cobra"

	"github.com/xdsctl/xdsctl/internal/cmdutil"
	"github.com/xdsctl/xdsctl/internal/iostreams"
	"github.com/xdsctl/xdsctl/internal/xdsclient"
	"github.com/xdsctl/xdsctl/pkg/configdiff"
	"github.com/xdsctl/xdsctl/pkg/status"
)

// Options are the options of `proxy-status`.
type Options struct {
	IO  *iostreams.IOStreams
	Now func() time.Time
	// Cluster reaches Kubernetes (istiod pods, port-forwards, tokens); nil without a kubeconfig.
	Cluster func() (Cluster, error)
	// Namespace returns the -n flag's value ("" when not given).
	Namespace func() string

	Target string // <pod>[.<namespace>] or <kind>/<name>: the target form

	// Where the status comes from (one of them; istiod by default).
	XDSAddress  string
	FromProxies bool
	File        string // fleet: a saved syncz/CSDS response (or a config dump, inferred); target: the proxy's config dump
	CPFile      string // target form: the control plane's view of the proxy, saved

	// Connection to a control plane.
	CA, Cert, Key string
	Insecure      bool
	Plaintext     bool
	Token         string
	Timeout       time.Duration
	MaxResponse   int64  // --max-response: the largest answer read from a control plane or proxy
	NodeID        string // target form: the proxy's node id at the control plane

	// Istio.
	IstioNamespace string
	Revision       string
	XDSPort        int

	// --from-proxies and the target form: the proxies' admin API.
	AdminPort int

	// Filters.
	AllNamespaces bool
	Selector      string
	Status        string
	states        []status.State
	notStates     bool

	FailOnUnsynced bool

	// Diff are the comparison's flags (the target form), as xdsctl diff has them.
	Diff cmdutil.DiffFlags
	// diffKinds are Diff.Kinds, read
	diffKinds []configdiff.Kind

	Watch    bool
	Interval time.Duration
	// after waits between refreshes (tests replace it); nil is time.After.
	after func(time.Duration) <-chan time.Time

	Output cmdutil.OutputOptions
}

// NewCmdProxyStatus returns `proxy-status`.
func NewCmdProxyStatus(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := NewOptions(f)
	cmd := &cobra.Command{
		Use:     "proxy-status [<pod>[.<namespace>] | <kind>/<name>[.<namespace>]]",
		Aliases: []string{"ps"},
		Short:   "Show whether every proxy got and accepted what its control plane sent",
		Long: `Show, for every proxy a control plane knows, the state of each xDS type: SYNCED (the proxy
acknowledged the last push), STALE (sent, not yet acknowledged), NOT SENT (asked for, nothing sent),
ERROR (the proxy rejected the last push, NACK) or IGNORED (the proxy did not subscribe to the type),
with the time since the last push.

The status comes from a control plane:
  - istiod (the default): every istiod pod of the revision is asked istio.io/debug/syncz through a
    port-forward (port 15012 with TLS and a service-account token; a default istiod refuses debug
    requests on its plaintext port 15010), and the answers are merged; an istiod without that debug type is read over HTTP :15014/debug/syncz;
  - any CSDS server (--xds-address): the bundled control plane, gRPC's admin service, and others;
  - no control plane at all (--from-proxies): the state is inferred from each proxy's own config
    dump (versions, warming resources, rejected updates) and marked as inferred;
  - a saved syncz or CSDS response (--file).

With a proxy (a pod, a workload, or --file with its config dump), proxy-status compares the
proxy's clusters, listeners, routes and secrets with what the control plane sent it, and prints
"Match" or a unified diff of only what differs, with xdsctl diff's engine and its --kinds,
--ignore, --normalize-pod and --stat flags. See docs/proxy-status.md.

Exit codes: 0 ok, 1 error, 2 usage, 3 with --fail-on-unsynced when a proxy shown is not SYNCED
(or, with a proxy, its config does not match).`,
		Example: `# every proxy istiod knows, in every namespace
xdsctl proxy-status

# only proxies of one namespace that are not in sync, failing a script if there are any
xdsctl ps -n bookinfo --status '!SYNCED' --fail-on-unsynced

# a CSDS server (the bundled control plane), with the NACK messages and versions
xdsctl ps --xds-address 127.0.0.1:18000 --plaintext -o wide

# no control plane: infer from the proxies of a namespace
xdsctl ps --from-proxies -n bookinfo

# compare one proxy's config with what istiod sent it
xdsctl ps reviews-v1-545db77b95-2pkbx.bookinfo

# refresh until Ctrl-C
xdsctl ps -w`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.Target = args[0]
			}
			if err := opts.validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return run(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&opts.FromProxies, "from-proxies", false, "Ask no control plane: infer the status from the proxies' own config dumps")
	fl.StringVarP(&opts.File, "file", "f", "", "Read a saved syncz or CSDS response from `path` (with a proxy: the proxy's config dump)")
	fl.StringVar(&opts.CPFile, "control-plane-file", "", "With a proxy: read the control plane's view of it from `path` (a config dump, or a saved istiod config_dump or CSDS response)")
	AddControlPlaneFlags(cmd, opts)
	fl.DurationVar(&opts.Timeout, "timeout", 10*time.Second, "Give up on a control plane or proxy after this `duration`")
	fl.IntVar(&opts.AdminPort, "proxy-admin-port", 0, "Envoy admin `port` in the pods (default: detected, else 15000)")
	fl.BoolVarP(&opts.AllNamespaces, "all-namespaces", "A", false, "Show proxies of every namespace (the default unless -n is given; with --from-proxies, read pods of every namespace)")
	fl.StringVarP(&opts.Selector, "selector", "l", "", "Show only proxies whose labels match this `selector` (with --from-proxies: read the pods it selects)")
	fl.StringVar(&opts.Status, "status", "", "Show only proxies with a type in these `states` (SYNCED,STALE,NOT_SENT,ERROR,IGNORED; UNSYNCED; a leading ! negates)")
	fl.BoolVar(&opts.FailOnUnsynced, "fail-on-unsynced", false, "Exit with code 3 when a proxy shown is not SYNCED (with a proxy: when its config does not match)")
	fl.BoolVarP(&opts.Watch, "watch", "w", false, "Refresh the table until interrupted, highlighting what changed")
	fl.DurationVar(&opts.Interval, "interval", 2*time.Second, "With --watch, refresh every `duration`")
	cmdutil.AddOutputFlags(cmd, &opts.Output, "short")
	cmdutil.AddDiffFlags(cmd, &opts.Diff)
	return cmd
}

// AddControlPlaneFlags binds the flags that say how to reach a control plane: --xds-address, TLS,
// token, istiod's namespace, revision and port, the proxy's node id there, and --max-response. xdsctl diff's cp:<pod>
// takes them too.
func AddControlPlaneFlags(cmd *cobra.Command, opts *Options) {
	fl := cmd.Flags()
	fl.StringVar(&opts.XDSAddress, "xds-address", "", "Ask the CSDS server at `host:port` instead of istiod")
	fl.StringVar(&opts.CA, "ca", "", "Verify the control plane's certificate with the CAs in `file` (PEM)")
	fl.StringVar(&opts.Cert, "cert", "", "Client certificate `file` (PEM) for mutual TLS")
	fl.StringVar(&opts.Key, "key", "", "Client key `file` (PEM) for mutual TLS")
	fl.BoolVar(&opts.Insecure, "insecure", false, "Do not verify the control plane's certificate")
	fl.BoolVar(&opts.Plaintext, "plaintext", false, "Talk to the control plane without TLS (istiod: port 15010, where a default istiod refuses debug requests)")
	fl.StringVar(&opts.Token, "token", "", "Send this bearer `token` to the control plane (istiod: default is a service-account token from the TokenRequest API)")
	fl.StringVar(&opts.NodeID, "node-id", "", "With a proxy and --xds-address: the proxy's node `id` (default: read from its bootstrap)")
	fl.StringVarP(&opts.IstioNamespace, "istio-namespace", "i", "istio-system", "Namespace where istiod runs")
	fl.StringVarP(&opts.Revision, "revision", "r", "", "Ask only the istiod pods of this `revision`")
	fl.IntVar(&opts.XDSPort, "xds-port", 0, "istiod's xDS `port` (default 15012, or 15010 with --plaintext)")
	cmdutil.AddMaxResponseFlag(fl, &opts.MaxResponse)
}

// NewOptions are proxy-status's options with what the Factory gives (streams, clock, Kubernetes).
func NewOptions(f *cmdutil.Factory) *Options {
	return &Options{IO: f.IOStreams, Now: f.Now, Cluster: clusterFrom(f), Namespace: namespaceFrom(f), Timeout: 10 * time.Second}
}

func (o *Options) validate() error {
	if err := o.Output.Validate(); err != nil {
		return err
	}
	kinds, err := configdiff.ParseKinds(o.Diff.Kinds)
	if err != nil {
		return cmdutil.FlagErrorf("--kinds: %s", err.Error())
	}
	o.diffKinds = kinds
	if err := configdiff.CheckIgnore(o.Diff.Ignore); err != nil {
		return cmdutil.FlagErrorf("--ignore: %s", err.Error())
	}
	if o.Status != "" {
		states, not, err := status.ParseStates(o.Status)
		if err != nil {
			return cmdutil.FlagErrorf("--status: %s", err.Error())
		}
		o.states, o.notStates = states, not
	}
	compare := o.Target != "" || o.CPFile != ""
	switch {
	case o.Timeout <= 0:
		return cmdutil.FlagErrorf("--timeout must be positive, got %s", o.Timeout)
	case o.MaxResponse < 0:
		return cmdutil.ValidateMaxResponse(o.MaxResponse)
	case o.Watch && o.Interval < 100*time.Millisecond:
		return cmdutil.FlagErrorf("--interval must be at least 100ms, got %s", o.Interval)
	case o.XDSAddress != "" && o.FromProxies:
		return cmdutil.FlagErrorf("give only one of --xds-address or --from-proxies")
	case o.Target != "" && o.FromProxies:
		return cmdutil.FlagErrorf("--from-proxies shows every proxy's status; leave out the proxy, or compare it with its control plane without --from-proxies")
	case o.CPFile != "" && o.XDSAddress != "":
		return cmdutil.FlagErrorf("give only one of --control-plane-file or --xds-address")
	case o.CPFile != "" && o.FromProxies:
		return cmdutil.FlagErrorf("--control-plane-file compares one proxy; it does not work with --from-proxies")
	case o.Target != "" && o.File != "":
		return cmdutil.FlagErrorf("give the proxy as <pod> or as --file <dump>, not both")
	case o.Target == "" && o.CPFile != "" && o.File == "":
		return cmdutil.FlagErrorf("--control-plane-file compares one proxy: give it as <pod> or --file <dump>")
	case o.Watch && compare:
		return cmdutil.FlagErrorf("--watch refreshes the status table; it does not work with a proxy")
	case o.Watch && !o.Output.IsTable():
		return cmdutil.FlagErrorf("--watch refreshes a table; drop -o %s", o.Output.Format)
	case o.Watch && o.File != "":
		return cmdutil.FlagErrorf("--watch needs a live control plane, not --file")
	case !compare && o.Diff.Set() && !(o.File != "" && !o.FromProxies):
		return cmdutil.FlagErrorf("--kinds, --ignore, --normalize-pod and --stat tune the comparison with a proxy; give the proxy as <pod> or --file <dump>")
	case compare && (o.Status != "" || o.Selector != "" || o.AllNamespaces):
		return cmdutil.FlagErrorf("--status, -l and -A select rows of the status table; they do not work with a proxy")
	case o.Plaintext && (o.CA != "" || o.Insecure || o.Cert != ""):
		return cmdutil.FlagErrorf("--plaintext cannot be combined with --ca, --cert or --insecure")
	case (o.Cert == "") != (o.Key == ""):
		return cmdutil.FlagErrorf("give both --cert and --key, or neither")
	case o.XDSPort < 0 || o.XDSPort > 65535:
		return cmdutil.FlagErrorf("--xds-port must be between 1 and 65535, got %d", o.XDSPort)
	case o.AdminPort < 0 || o.AdminPort > 65535:
		return cmdutil.FlagErrorf("--proxy-admin-port must be between 1 and 65535, got %d", o.AdminPort)
	}
	return nil
}

// connOptions are the options for a direct control plane connection.
func (o *Options) connOptions() xdsclient.Options {
	return xdsclient.Options{
		Name:    o.csdsName(),
		Address: o.XDSAddress, Plaintext: o.Plaintext, CA: o.CA, Cert: o.Cert, Key: o.Key,
		Insecure: o.Insecure, Token: o.Token, Timeout: o.Timeout, MaxResponse: o.MaxResponse,
	}
}

func (o *Options) istiodOptions() xdsclient.IstiodOptions {
	return xdsclient.IstiodOptions{
		Namespace: o.IstioNamespace, Revision: o.Revision, Plaintext: o.Plaintext, Port: o.XDSPort,
		CA: o.CA, Cert: o.Cert, Key: o.Key, Token: o.Token, Timeout: o.Timeout, MaxResponse: o.MaxResponse, Warn: o.IO.ErrOut,
	}
}
