// Package ui is `xdsctl ui`: a local, read-only web view of one proxy's config, served on
// loopback from assets embedded in the binary, over the JSON API of pkg/uiapi.
package ui

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	neturl "net/url"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"

	"github.com/xdsctl/xdsctl/internal/admin"
	"github.com/xdsctl/xdsctl/internal/cmd/proxyconfig"
	"github.com/xdsctl/xdsctl/internal/cmd/proxystatus"
	"github.com/xdsctl/xdsctl/internal/cmdutil"
	"github.com/xdsctl/xdsctl/internal/inputfile"
	"github.com/xdsctl/xdsctl/internal/iostreams"
	"github.com/xdsctl/xdsctl/internal/livefetch"
	"github.com/xdsctl/xdsctl/pkg/configdiff"
	"github.com/xdsctl/xdsctl/pkg/configdump"
	"github.com/xdsctl/xdsctl/pkg/uiapi"
)

// Options are xdsctl ui's flags and what it needs from the factory.
type Options struct {
	IO       *iostreams.IOStreams
	Resolver func() (cmdutil.TargetResolver, error)

	Source      cmdutil.SourceOptions
	Demo        bool
	Port        int
	Address     string
	AllowRemote bool
	Open        bool
	// ClustersFile is a saved /clusters?format=json read beside -f, for endpoints' health.
	ClustersFile string
	// Diff is a source the page compares the shown one with at start (?diff= on the printed URL).
	Diff string
	// ControlPlane reads cp:<pod> sources to compare with (proxy-status's defaults).
	ControlPlane *proxystatus.Options

	// ready, when set (tests), is called with the printed URL once the server listens.
	ready func(url string)
	// readSideFunc, when set (tests), reads the sources to compare with.
	readSideFunc func(context.Context, string) (configdiff.Input, error)
}

// NewCmdUI returns `xdsctl ui`.
func NewCmdUI(f *cmdutil.Factory) *cobra.Command {
	o := &Options{IO: f.IOStreams, Resolver: f.Resolver, ControlPlane: proxystatus.NewOptions(f)}
	o.ControlPlane.IstioNamespace = "istio-system" // proxy-status's default: ui has no control plane flags
	cmd := &cobra.Command{
		Use:   "ui (<pod>[.<namespace>] | --admin <url> | -f <file> | --demo)",
		Short: "Browse a proxy's config as a graph in a local web page",
		Long: `ui serves a read-only web page on this machine (loopback only) that shows one proxy's
config as a graph: listeners, their filter chains, route configurations, virtual hosts, routes,
clusters and endpoints with their health, expanded one step at a time, with search, each
resource's JSON, analyze's findings (listed, and as badges on their resources) and a trace form
whose path (as xdsctl trace follows it) is highlighted in the graph. The page asks xdsctl for what
it shows, never for the whole dump.

With --diff SOURCE (or ?diff=SOURCE on the page's URL) the page also shows what differs between
SOURCE, as before, and the shown proxy, as after, resource by resource as xdsctl diff SOURCE <shown>
compares them: a file, an admin URL, a pod or cp:<pod>.

A live proxy is read once at start; the page's Refresh button reads it again (never on a timer).
The page's assets are built into xdsctl: no network access beyond the proxy is needed.
Stop the server with Ctrl-C.`,
		Example: `# the example sidecar built into xdsctl, on a port the system picks
xdsctl ui --demo

# a saved dump, on a fixed port, opening the browser
xdsctl ui -f config_dump.json --port 8080 --open

# a saved dump with the same proxy's saved /clusters?format=json, for endpoint health
xdsctl ui -f config_dump.json --clusters clusters.json

# a pod's sidecar, or any Envoy's admin API
xdsctl ui productpage-v1-7bbd79f8fd-k6j79.default
xdsctl ui --admin http://127.0.0.1:9901

# what changed in a pod's sidecar since a saved dump
xdsctl ui productpage-v1-7bbd79f8fd-k6j79.default --diff before.json`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.validate(args); err != nil {
				return err
			}
			if err := cmdutil.KubeClusterTypo(cmd, o.Source.File != "" || o.Demo); err != nil {
				return err
			}
			return o.Run(cmd.Context())
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&o.Source.File, "file", "f", "", "Read Envoy admin output (a config dump) from `path` (- for standard input) instead of a live proxy")
	fl.StringVar(&o.ClustersFile, "clusters", "", "With -f, also read the same proxy's /clusters?format=json output from `path` (endpoint health and outlier ejection)")
	fl.BoolVar(&o.Demo, "demo", false, "Show the example sidecar built into xdsctl")
	fl.StringVar(&o.Source.AdminURL, "admin", "", "Read a proxy's admin API at this `URL` (e.g. http://127.0.0.1:9901), outside Kubernetes")
	fl.IntVar(&o.Source.AdminPort, "proxy-admin-port", 0, "Envoy admin `port` in the pod (default: detected from the pod, else 15000)")
	fl.DurationVar(&o.Source.Timeout, "timeout", 10*time.Second, "Give up on a proxy after this `duration`")
	fl.IntVar(&o.Port, "port", 0, "Serve on this `port` (0: one the system picks)")
	fl.StringVar(&o.Address, "address", "127.0.0.1", "Serve on this loopback `address`")
	fl.BoolVar(&o.AllowRemote, "allow-non-loopback", false, "Let --address be a non-loopback address: anyone who can reach it sees the proxy's config")
	fl.BoolVar(&o.Open, "open", false, "Open the page in the default browser")
	fl.StringVar(&o.Diff, "diff", "", "Show what differs between this `source` (a file, an admin URL, a pod or cp:<pod>) and the shown proxy")
	return cmd
}

func (o *Options) validate(args []string) error {
	if o.Demo {
		if len(args) > 0 || o.Source.File != "" || o.Source.AdminURL != "" {
			return cmdutil.FlagErrorf("give only one of <pod>, --admin <url>, --file <path> or --demo")
		}
	} else if err := o.Source.Validate(args); err != nil {
		if len(args) == 0 && o.Source.File == "" && o.Source.AdminURL == "" {
			return cmdutil.FlagErrorf("give a <pod>[.<namespace>], --admin <url>, --file <path> or --demo")
		}
		return err
	}
	if o.ClustersFile != "" {
		switch {
		case o.Source.File == "":
			return cmdutil.FlagErrorf("--clusters reads a saved /clusters?format=json beside -f; a live proxy's or the demo's is read by itself")
		case o.Source.File == "-" && o.ClustersFile == "-":
			return cmdutil.FlagErrorf("only one of -f and --clusters can read standard input")
		}
	}
	if o.Diff != "" {
		if err := checkDiffSource(o.Diff); err != nil {
			return cmdutil.FlagErrorf("--diff %q: %s", o.Diff, err.Error())
		}
	}
	if o.Port < 0 || o.Port > 65535 {
		return cmdutil.FlagErrorf("--port must be between 0 and 65535, got %d", o.Port)
	}
	if strings.HasPrefix(o.Address, "[") && strings.HasSuffix(o.Address, "]") {
		o.Address = o.Address[1 : len(o.Address)-1] // [::1], as a URL writes it
	}
	if _, port, err := net.SplitHostPort(o.Address); err == nil {
		return cmdutil.FlagErrorf("--address %q has a port: give the address alone and the port with --port %s", o.Address, port)
	}
	if ip := net.ParseIP(o.Address); ip != nil && ip.IsUnspecified() {
		// The server answers only requests for the printed host (DNS rebinding), and no browser
		// asks for 0.0.0.0.
		return cmdutil.FlagErrorf("--address %q listens everywhere but names no host a browser can use: give one address, such as 127.0.0.1", o.Address)
	}
	if !o.AllowRemote && !isLoopback(o.Address) {
		return cmdutil.WithHint(cmdutil.FlagErrorf("--address %q is not a loopback address: the page would show the proxy's config to the network", o.Address),
			"use 127.0.0.1 or ::1, or add --allow-non-loopback if that is what you want")
	}
	return nil
}

// isLoopback tells whether addr is localhost or a loopback IP.
func isLoopback(addr string) bool {
	if addr == "localhost" {
		return true
	}
	ip := net.ParseIP(addr)
	return ip != nil && ip.IsLoopback()
}

// live tells whether the source can be read again.
func (o *Options) live() bool { return !o.Demo && o.Source.File == "" }

// load reads the source and builds the API over it.
func (o *Options) load(ctx context.Context) (*uiapi.API, error) {
	src := uiapi.Source{Live: o.live()}
	switch {
	case o.Demo:
		src.Name = "demo proxy"
		src.Dump, src.Clusters = proxyconfig.DemoAdmin()
	case o.Source.File != "":
		src.Name = o.Source.Describe()
		data, err := inputfile.Read(o.Source.File, o.IO.In)
		if err != nil {
			return nil, err
		}
		src.Dump = data
		if o.ClustersFile != "" {
			if src.Health, err = o.readClusters(); err != nil {
				return nil, err
			}
		}
	default:
		if o.Resolver == nil {
			return nil, errors.New("no live proxies can be reached from here")
		}
		r, err := o.Resolver()
		if err != nil {
			return nil, err
		}
		// The config dump is needed; /clusters only adds Envoy's view of endpoint health, so
		// its failure is a warning on the page.
		var (
			mu          sync.Mutex // several targets run at once (before ui refuses more than one)
			clustersErr error
		)
		res, err := livefetch.Do(ctx, o.IO, r, o.Source.Query(), livefetch.Options{Timeout: o.Source.Timeout},
			func(ctx context.Context, c admin.Client) (map[string][]byte, error) {
				dump, err := c.Get(ctx, admin.PathConfigDumpWithEDS)
				if err != nil {
					return nil, err
				}
				bodies := map[string][]byte{admin.PathConfigDumpWithEDS: dump}
				if cl, err := c.Get(ctx, admin.PathClustersJSON); err == nil {
					bodies[admin.PathClustersJSON] = cl
				} else {
					mu.Lock()
					clustersErr = err
					mu.Unlock()
				}
				return bodies, nil
			})
		if err != nil {
			return nil, err
		}
		if len(res) != 1 {
			return nil, cmdutil.WithHint(fmt.Errorf("%s names %d proxies; ui shows one", o.Source.Describe(), len(res)), "name one pod")
		}
		if res[0].Err != nil {
			return nil, res[0].Err
		}
		src.Name = res[0].Target
		src.Dump = res[0].Bodies[admin.PathConfigDumpWithEDS]
		src.Clusters = res[0].Bodies[admin.PathClustersJSON]
		if clustersErr != nil {
			src.Warnings = append(src.Warnings, fmt.Sprintf("endpoint health from EDS only: %v", clustersErr))
		}
	}
	a, err := uiapi.New(src)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", src.Name, err)
	}
	return a, nil
}

// clustersInput is how messages name the --clusters file.
var clustersInput = inputfile.Input{Flag: "--clusters", Want: "the path of a saved Envoy /clusters?format=json",
	Hint: "give the path of the proxy's saved /clusters?format=json (curl localhost:15000/clusters?format=json > clusters.json)",
	Kind: "Envoy /clusters output"}

// readClusters reads and parses the --clusters file; an error names it.
func (o *Options) readClusters() (*configdump.Clusters, error) {
	data, err := clustersInput.Read(o.ClustersFile, o.IO.In)
	if err != nil {
		return nil, err
	}
	c, err := configdump.ParseClusters(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", clustersInput.Name(o.ClustersFile), err)
	}
	return c, nil
}

// Run reads the source, serves the page until ctx ends, and prints the URL.
func (o *Options) Run(ctx context.Context) error {
	a, err := o.load(ctx)
	if err != nil {
		return err
	}
	s := &server{load: o.load, live: o.live(), diffs: &diffs{read: o.readSide}}
	s.store(a)
	if o.Diff != "" {
		// A source that cannot be compared with fails now, not on the page.
		if _, err := s.diffs.get(ctx, a, o.Diff); err != nil {
			return fmt.Errorf("--diff %s: %w", o.Diff, err)
		}
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(o.Address, strconv.Itoa(o.Port)))
	if err != nil {
		var op *net.OpError
		if errors.As(err, &op) && op.Err != nil {
			err = op.Err // "address already in use", without the address said again
		}
		return cmdutil.WithHint(fmt.Errorf("cannot serve on %s: %w", net.JoinHostPort(o.Address, strconv.Itoa(o.Port)), err),
			"pick another --port, or --port 0 to let the system choose")
	}
	host := net.JoinHostPort(o.Address, strconv.Itoa(ln.Addr().(*net.TCPAddr).Port))
	url := "http://" + host + "/"
	if o.Diff != "" {
		url += "?diff=" + neturl.QueryEscape(o.Diff)
	}
	s.host = host
	srv := &http.Server{Handler: s.handler(), ReadHeaderTimeout: 10 * time.Second}

	ov := a.Overview()
	for _, w := range ov.Warnings {
		fmt.Fprintf(o.IO.ErrOut, "Warning: %s\n", w)
	}
	fmt.Fprintf(o.IO.ErrOut, "Serving %s; press Ctrl-C to stop\n", ov.Source)
	fmt.Fprintln(o.IO.Out, url)
	if o.Open {
		if err := openBrowser(url); err != nil {
			fmt.Fprintf(o.IO.ErrOut, "Warning: cannot open a browser (%v): open %s yourself\n", err, url)
		}
	}
	if o.ready != nil {
		o.ready(url)
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case <-ctx.Done():
		shutdown, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
		return nil
	case err := <-errc:
		return err
	}
}

// server serves the page and the API of the current read of the source.
type server struct {
	host  string // the Host header every request must carry: the one in the printed URL
	live  bool
	load  func(context.Context) (*uiapi.API, error)
	diffs *diffs

	cur       atomic.Pointer[current]
	refreshMu sync.Mutex
}

// current is the API over the latest read of the source, and its handler.
type current struct {
	api *uiapi.API
	h   http.Handler
}

func (s *server) store(a *uiapi.API) { s.cur.Store(&current{api: a, h: a.Handler()}) }

func openBrowser(url string) error {
	var cmd *exec.Cmd
	switch runtime.GOOS {
	case "darwin":
		cmd = exec.Command("open", url)
	case "windows":
		cmd = exec.Command("rundll32", "url.dll,FileProtocolHandler", url)
	default:
		cmd = exec.Command("xdg-open", url)
	}
	return cmd.Start()
}
