// Package controlplane is `xdsctl controlplane serve` and `xdsctl controlplane sidecar`: the
// bundled xDS control plane and the emulated Envoy sidecar.
package controlplane

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/xdsctl/xdsctl/internal/cmdutil"
	cp "github.com/xdsctl/xdsctl/internal/controlplane"
	"github.com/xdsctl/xdsctl/internal/controlplane/snapshot"
	"github.com/xdsctl/xdsctl/internal/emulator"
)

// NewCmdControlPlane returns `controlplane` with serve and sidecar.
func NewCmdControlPlane(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "controlplane <command>",
		Aliases: []string{"cp"},
		Short:   "Run the bundled xDS control plane or an emulated Envoy sidecar",
		Long: `Run the bundled xDS control plane (serve) or an emulated Envoy sidecar (sidecar), to see the
whole loop — config pushed, proxies ACK or NACK, status and dumps diagnosed — without a cluster.`,
	}
	cmd.AddCommand(NewCmdServe(f, nil))
	cmd.AddCommand(NewCmdSidecar(f, nil))
	return cmd
}

// ServeOptions are the options of `controlplane serve`.
type ServeOptions struct {
	Config        string
	Listen        string
	DebugListen   string
	AllowRemote   bool
	WatchInterval time.Duration
}

// NewCmdServe returns `controlplane serve`.
func NewCmdServe(f *cmdutil.Factory, runF func(*ServeOptions) error) *cobra.Command {
	opts := &ServeOptions{}
	cmd := &cobra.Command{
		Use:   "serve --config <path> [--listen <addr>] [--debug-listen <addr>]",
		Short: "Serve xDS and CSDS from a snapshot file",
		Long: `Serve Envoy resources (listeners, routes, clusters, endpoints, secrets) from a YAML or JSON
snapshot file, or a directory of them, over ADS (state of the world and delta), and the sync
status of every connected proxy over CSDS (envoy.service.status.v3), on the same gRPC port.

The snapshot format is in docs/controlplane.md; examples/controlplane/ has examples. Editing the
file pushes a new version to every proxy; a file that does not load is reported with its line and
the last good snapshot keeps serving.

A NACK is answered with silence until new config exists (one response per NACK), and each
proxy's status follows istiod's rules: SYNCED, NOT SENT, STALE or ERROR per type and resource.
The debug address serves the same views over HTTP: /debug/syncz, /debug/csds and
/debug/config_dump?node=<id> (what was sent to one node, as an Envoy config dump).

It listens on loopback only unless --allow-remote: it has no authentication.`,
		Example: `# serve the example snapshot on 127.0.0.1:18000
xdsctl controlplane serve --config examples/controlplane/basic.yaml

# then, in other terminals: an emulated sidecar, and the proxies' status
xdsctl controlplane sidecar --xds 127.0.0.1:18000 --node sidecar-1
curl -s 'http://127.0.0.1:18001/debug/config_dump?node=sidecar-1'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if opts.Config == "" {
				return cmdutil.FlagErrorf("give the snapshot to serve with --config <path>")
			}
			if err := checkLoopback("--listen", opts.Listen, opts.AllowRemote); err != nil {
				return err
			}
			if opts.DebugListen != "" {
				if err := checkLoopback("--debug-listen", opts.DebugListen, opts.AllowRemote); err != nil {
					return err
				}
			}
			if opts.WatchInterval < 0 {
				return cmdutil.FlagErrorf("--watch-interval must not be negative, got %s", opts.WatchInterval)
			}
			if runF != nil {
				return runF(opts)
			}
			return runServe(cmd.Context(), f, opts)
		},
	}
	cmd.Flags().StringVarP(&opts.Config, "config", "c", "", "Snapshot `path`: a YAML or JSON file, or a directory of them")
	cmd.Flags().StringVar(&opts.Listen, "listen", cp.DefaultListen, "Serve xDS and CSDS (gRPC) on this `address`")
	cmd.Flags().StringVar(&opts.DebugListen, "debug-listen", "127.0.0.1:18001", "Serve the HTTP debug views on this `address` (\"\" for none)")
	cmd.Flags().BoolVar(&opts.AllowRemote, "allow-remote", false, "Allow listening on non-loopback addresses (there is no authentication)")
	cmd.Flags().DurationVar(&opts.WatchInterval, "watch-interval", time.Second, "How often to check the snapshot for changes (0 turns hot reload off)")
	return cmd
}

// checkLoopback refuses a listen address that is not loopback unless allowed.
func checkLoopback(flag, addr string, allow bool) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return cmdutil.FlagErrorf("%s %q: want host:port, such as 127.0.0.1:18000", flag, addr)
	}
	if allow || isLoopback(host) {
		return nil
	}
	return cmdutil.FlagErrorf("%s %s is not a loopback address; the control plane has no authentication, so pass --allow-remote to serve other hosts anyway", flag, addr)
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func runServe(ctx context.Context, f *cmdutil.Factory, o *ServeOptions) error {
	errOut := f.IOStreams.ErrOut
	if o.AllowRemote {
		fmt.Fprintln(errOut, "Warning: --allow-remote: anyone who can reach these ports can read the config served and every proxy's status")
	}
	cfg, err := snapshot.Load(o.Config)
	if err != nil {
		return cmdutil.WithHint(err, "the snapshot format is in docs/controlplane.md; examples/controlplane/basic.yaml is a start")
	}
	lis, err := net.Listen("tcp", o.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", o.Listen, err)
	}
	srv := cp.New(cp.Options{Config: cfg, Log: errOut, Now: f.Now})
	var debugSrv *http.Server
	if o.DebugListen != "" {
		dl, err := net.Listen("tcp", o.DebugListen)
		if err != nil {
			lis.Close()
			return fmt.Errorf("debug views: listen on %s: %w", o.DebugListen, err)
		}
		debugSrv = &http.Server{Handler: srv.DebugHandler(), ReadHeaderTimeout: 10 * time.Second}
		go func() { _ = debugSrv.Serve(dl) }()
		defer debugSrv.Close()
	}
	fmt.Fprintf(errOut, "Serving %s: xDS (ADS, state of the world and delta) and CSDS on %s", cp.Describe(cfg), lis.Addr())
	if debugSrv != nil {
		fmt.Fprintf(errOut, "; debug views on http://%s/debug/", o.DebugListen)
	}
	fmt.Fprintln(errOut)
	if o.WatchInterval > 0 {
		fmt.Fprintf(errOut, "Watching %s for changes every %s. Ctrl-C stops.\n", o.Config, o.WatchInterval)
		go srv.Watch(ctx, o.Config, o.WatchInterval)
	}
	if err := srv.Serve(ctx, lis); err != nil {
		return fmt.Errorf("serve on %s: %w", o.Listen, err)
	}
	return ctx.Err() // stopped by a signal: exit 130 (SIGINT) as docs/exit-codes.md says
}

// SidecarOptions are the options of `controlplane sidecar`.
type SidecarOptions struct {
	XDS         string
	Admin       string
	Node        string
	NodeCluster string
	Metadata    []string
	Istio       string // POD.NS: an Istio sidecar's node id and metadata
	IP          string
	HoldACKs    bool
	Delta       bool
	AllowRemote bool
	// RejectUnknownFields NACKs fields the Envoy API does not declare (Envoy's
	// --reject-unknown-dynamic-fields).
	RejectUnknownFields bool

	metadata map[string]any // Metadata parsed, over the --istio defaults
}

// NewCmdSidecar returns `controlplane sidecar`.
func NewCmdSidecar(f *cmdutil.Factory, runF func(*SidecarOptions) error) *cobra.Command {
	opts := &SidecarOptions{}
	cmd := &cobra.Command{
		Use:   "sidecar --xds <addr> --node <id> [--admin <addr>] [--hold-acks]",
		Short: "Run an emulated Envoy sidecar (not Envoy) against an xDS control plane",
		Long: `Run an emulated Envoy sidecar: an xDS client that subscribes over ADS like Envoy, validates what it
receives as strictly as Envoy (the validator xdsctl analyze uses: proto constraints of each
resource and of every typed_config inside it, unknown types, duplicate names, the checks Envoy makes
on listeners, clusters and routes), ACKs or NACKs like Envoy, and serves an Envoy-compatible admin
API: /config_dump (?include_eds), /clusters (?format=json), /server_info, /ready and /logging. It
knows every extension of the Envoy API and shows each resource it accepted in /config_dump.

It is an emulator, not Envoy: it routes no traffic, and Envoy's checks that need a running proxy
(a port already in use, a file that does not exist) are not made. It is for demos and tests of
xdsctl's views and status without a cluster.

--istio POD.NS --ip IP makes it look like an Istio sidecar to istiod: the node id
sidecar~IP~POD.NS~NS.svc.cluster.local and the metadata istiod reads (PROXY_CONFIG, LABELS,
NAMESPACE, ISTIO_VERSION, …), so a real istiod lists it in its sync status. --metadata values that
start with {, [ or " are JSON (LABELS={"app":"reviews"}); others are strings.

--hold-acks makes it hold its answers: responses are queued unprocessed, as by a stuck proxy, so
the control plane shows it STALE. POST /emulator/hold_acks?hold=false on its admin API releases
them (and ?hold=true holds again).`,
		Example: `# an emulated sidecar of the bundled control plane, admin API on 127.0.0.1:15000
xdsctl controlplane sidecar --xds 127.0.0.1:18000 --node sidecar-1

# look at it as at any Envoy
xdsctl proxy-config clusters --admin http://127.0.0.1:15000

# an Istio sidecar as istiod sees one (connect to istiod's plaintext port 15010)
xdsctl controlplane sidecar --xds 127.0.0.1:15010 --istio reviews-v1-abc.default --ip 10.0.0.7 --metadata 'LABELS={"app":"reviews","version":"v1"}'

# a second one that stays STALE
xdsctl controlplane sidecar --xds 127.0.0.1:18000 --node sidecar-2 --admin 127.0.0.1:15001 --hold-acks`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if opts.XDS == "" {
				return cmdutil.FlagErrorf("give the control plane's address with --xds <host:port>")
			}
			if err := opts.complete(); err != nil {
				return err
			}
			if opts.Admin != "" {
				if err := checkLoopback("--admin", opts.Admin, opts.AllowRemote); err != nil {
					return err
				}
			}
			if runF != nil {
				return runF(opts)
			}
			return runSidecar(cmd.Context(), f, opts)
		},
	}
	cmd.Flags().StringVar(&opts.XDS, "xds", "", "The control plane's xDS `address` (host:port, plaintext gRPC)")
	cmd.Flags().StringVar(&opts.Node, "node", "", "The node `id` the sidecar presents")
	cmd.Flags().StringVar(&opts.Admin, "admin", "127.0.0.1:15000", "Serve the emulated admin API on this `address` (\"\" for none)")
	cmd.Flags().StringVar(&opts.NodeCluster, "node-cluster", "emulated", "The node's `cluster` (service cluster)")
	cmd.Flags().StringArrayVar(&opts.Metadata, "metadata", nil, "Node metadata `key=value` (repeatable; a value starting with {, [ or \" is JSON)")
	cmd.Flags().StringVar(&opts.Istio, "istio", "", "Present as the Istio sidecar of `pod.namespace` (node id and metadata as istiod expects; needs --ip)")
	cmd.Flags().StringVar(&opts.IP, "ip", "", "The pod `IP` of the --istio sidecar")
	cmd.Flags().BoolVar(&opts.RejectUnknownFields, "reject-unknown-dynamic-fields", false, "NACK resources with fields the Envoy API does not declare, as Envoy with this flag does")
	cmd.Flags().BoolVar(&opts.HoldACKs, "hold-acks", false, "Hold answers from the start (the control plane shows the sidecar STALE)")
	cmd.Flags().BoolVar(&opts.Delta, "delta", false, "Use the incremental (delta) xDS protocol")
	cmd.Flags().BoolVar(&opts.AllowRemote, "allow-remote", false, "Allow the admin API on a non-loopback address")
	return cmd
}

// complete checks the node flags and builds the node id and metadata: --istio's, then --metadata.
func (o *SidecarOptions) complete() error {
	o.metadata = map[string]any{}
	switch {
	case o.Istio != "" && o.Node != "":
		return cmdutil.FlagErrorf("give either --node or --istio, not both")
	case o.Istio != "":
		if o.IP == "" {
			return cmdutil.FlagErrorf("--istio %s needs the pod's IP: add --ip <address>", o.Istio)
		}
		id, cluster, md, err := emulator.IstioSidecar(o.Istio, o.IP)
		if err != nil {
			return cmdutil.FlagErrorf("--istio %s --ip %s: %v", o.Istio, o.IP, err)
		}
		o.Node, o.metadata = id, md
		if o.NodeCluster == "emulated" {
			o.NodeCluster = cluster
		}
	case o.IP != "":
		return cmdutil.FlagErrorf("--ip goes with --istio <pod.namespace>")
	case o.Node == "":
		return cmdutil.FlagErrorf("give the sidecar's node id with --node <id> (or --istio <pod.namespace> --ip <address>)")
	}
	for _, m := range o.Metadata {
		k, v, ok := strings.Cut(m, "=")
		if !ok || k == "" {
			return cmdutil.FlagErrorf("--metadata %q: want key=value", m)
		}
		if v != "" && strings.ContainsRune("{[\"", rune(v[0])) {
			var j any
			if err := json.Unmarshal([]byte(v), &j); err != nil {
				return cmdutil.FlagErrorf("--metadata %s: the value is not valid JSON (%v); quote it for the shell: --metadata '%s'", k, err, m)
			}
			o.metadata[k] = j
			continue
		}
		o.metadata[k] = v
	}
	return nil
}

func runSidecar(ctx context.Context, f *cmdutil.Factory, o *SidecarOptions) error {
	errOut := f.IOStreams.ErrOut
	sc, err := emulator.Start(emulator.Options{
		XDS: o.XDS, NodeID: o.Node, NodeCluster: o.NodeCluster, Metadata: o.metadata, Admin: o.Admin,
		HoldACKs: o.HoldACKs, Delta: o.Delta, RejectUnknownFields: o.RejectUnknownFields, Log: errOut, Now: f.Now,
	})
	if err != nil {
		return err
	}
	defer sc.Close()
	proto := "state of the world"
	if o.Delta {
		proto = "delta"
	}
	fmt.Fprintf(errOut, "Emulated Envoy sidecar %q (an emulator, not Envoy): ADS (%s) to %s", o.Node, proto, o.XDS)
	if sc.AdminURL() != "" {
		fmt.Fprintf(errOut, "; admin API on %s", sc.AdminURL())
	}
	if o.HoldACKs {
		fmt.Fprint(errOut, "; holding ACKs")
	}
	fmt.Fprintln(errOut, ". Ctrl-C stops.")

	// Say once when it first syncs or fails to connect, so a typo in --xds is visible.
	go func() {
		wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		err := sc.WaitFor(wctx, func(s emulator.State) bool {
			return s.Connected && len(s.Types) > 0 && s.Types[clusterType].Counters.Responses > 0
		})
		if err != nil && !errors.Is(ctx.Err(), context.Canceled) {
			st := sc.State()
			why := st.LastError
			if why == "" {
				why = "no response yet"
			}
			fmt.Fprintf(errOut, "Warning: no config from %s after 5s (%s); still trying\n", o.XDS, why)
		}
	}()
	<-ctx.Done()
	return ctx.Err() // stopped by a signal: exit 130 (SIGINT) as docs/exit-codes.md says
}

const clusterType = "type.googleapis.com/envoy.config.cluster.v3.Cluster"
