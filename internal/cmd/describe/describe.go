// Package describe is `xdsctl describe pod|service`: what applies to a workload, and whether its
// proxy really has it. The analysis is pkg/describe; this package gathers its input (Kubernetes
// objects from the API or --k8s-file, config dumps from live proxies or --file) and prints it.
package describe

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/itchyny/gojq"
	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"

	"github.com/xdsctl/xdsctl/internal/admin"
	"github.com/xdsctl/xdsctl/internal/cmdutil"
	"github.com/xdsctl/xdsctl/internal/inputfile"
	"github.com/xdsctl/xdsctl/internal/iostreams"
	"github.com/xdsctl/xdsctl/internal/kube"
	"github.com/xdsctl/xdsctl/internal/livefetch"
	"github.com/xdsctl/xdsctl/pkg/configdump"
	"github.com/xdsctl/xdsctl/pkg/describe"
	"github.com/xdsctl/xdsctl/pkg/render"
)

const (
	kindPod     = "pod"
	kindService = "service"
)

// maxInput is the largest file read (Envoy dumps of the largest meshes are a few hundred MB);
// tests lower it.
var maxInput int64 = inputfile.MaxSize

// Options are the options of `describe pod` and `describe service`.
type Options struct {
	IO      *iostreams.IOStreams
	Factory *cmdutil.Factory
	// Clients makes the Kubernetes clients (tests swap in fakes).
	Clients func() (*Clients, error)

	Kind      string // pod or service
	Name      string
	Namespace string // from <name>.<namespace>, else -n, else the kubeconfig's
	// NamespaceExplicit tells whether the user named the namespace (target or -n).
	NamespaceExplicit bool

	Files          []string // --file [<pod>[.<namespace>]=]<path>
	K8sFiles       []string // --k8s-file <path>
	IstioNamespace string
	AdminPort      int
	Timeout        time.Duration
	MaxResponse    int64  // --max-response
	Output         string // short, json or yaml
	JQ             string
	FailOnMismatch bool // exit 3 when the report lists mismatches
}

// NewCmdDescribe returns `xdsctl describe` with its pod and service subcommands.
func NewCmdDescribe(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "describe {pod | service} <name>[.<namespace>]",
		Short: "Explain what applies to a workload, and whether its proxy has loaded it",
		Long: `Explain one workload to an operator who asks "why does my traffic do that?": the pod and its
proxy, the Services that select it, the Istio resources that apply (DestinationRules, VirtualServices,
PeerAuthentication, AuthorizationPolicies, Sidecar, Gateways and Gateway API routes), what the
proxy has actually loaded for them (from its /config_dump), and every mismatch between the two.

Objects are read from the Kubernetes API, or from --k8s-file (kubectl get -o yaml output); the
proxy's configuration from its admin API through a port-forward, or from --file.`,
	}
	cmd.Args = func(_ *cobra.Command, args []string) error {
		if len(args) > 0 {
			return cmdutil.FlagErrorf("unknown resource type %q: use describe pod or describe service", args[0])
		}
		return nil
	}
	cmd.RunE = func(c *cobra.Command, _ []string) error { return c.Help() }
	cmd.AddCommand(NewCmdPod(f, nil))
	cmd.AddCommand(NewCmdService(f, nil))
	return cmd
}

// NewCmdPod returns `describe pod`.
func NewCmdPod(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	return newCmd(f, runF, kindPod, &cobra.Command{
		Use:     "pod <pod>[.<namespace>]",
		Aliases: []string{"po"},
		Short:   "Describe a pod, the Istio configuration that applies to it, and what its proxy has loaded",
		Example: `# a pod in the current namespace, live
xdsctl describe pod productpage-v1-7bbd79f8fd-k6j79

# a pod in another namespace, as JSON
xdsctl describe pod istio-ingressgateway-5bf6c9887-vvvmj.istio-system -o json

# from a bug report: the objects and the proxy's saved /config_dump
xdsctl describe pod productpage-v1-7bbd79f8fd-k6j79 --k8s-file objects.yaml --file productpage.json`,
	})
}

// NewCmdService returns `describe service`.
func NewCmdService(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	return newCmd(f, runF, kindService, &cobra.Command{
		Use:     "service <service>[.<namespace>]",
		Aliases: []string{"svc"},
		Short:   "Describe every pod behind a Service, for that Service",
		Example: `# every pod of a Service, live
xdsctl describe service productpage

# offline, with one dump per pod
xdsctl describe svc productpage.bookinfo --k8s-file objects.yaml \
  --file productpage-v1-7bbd79f8fd-k6j79=v1.json --file productpage-v2-5c8f9d6b7-x2mzq=v2.json`,
	})
}

func newCmd(f *cmdutil.Factory, runF func(*Options) error, kind string, cmd *cobra.Command) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Factory: f, Kind: kind}
	opts.Clients = func() (*Clients, error) { return clientsFromFlags(f) }
	cmd.Args = func(_ *cobra.Command, args []string) error {
		if len(args) != 1 {
			return cmdutil.FlagErrorf("give one %s: <name>[.<namespace>]", kind)
		}
		return nil
	}
	cmd.RunE = func(c *cobra.Command, args []string) error {
		if err := opts.complete(args[0]); err != nil {
			return err
		}
		if err := opts.validate(); err != nil {
			return err
		}
		if runF != nil {
			return runF(opts)
		}
		return opts.run(c.Context())
	}
	fl := cmd.Flags()
	fl.StringArrayVarP(&opts.Files, "file", "f", nil, "Read the proxy's /config_dump from `[<pod>[.<namespace>]=]path` instead of the live proxy (repeatable: one per pod, gateway pods too)")
	fl.StringArrayVar(&opts.K8sFiles, "k8s-file", nil, "Read the Kubernetes objects from `path` (kubectl get -o yaml output; repeatable) instead of the API")
	fl.StringVarP(&opts.IstioNamespace, "istio-namespace", "i", "istio-system", "Namespace of istiod and its mesh `namespace` (where the istio ConfigMap is)")
	fl.IntVar(&opts.AdminPort, "proxy-admin-port", 0, "Envoy admin `port` in the pod (default: detected from the pod, else 15000)")
	fl.DurationVar(&opts.Timeout, "timeout", 10*time.Second, "Give up on a proxy after this `duration`")
	cmdutil.AddMaxResponseFlag(fl, &opts.MaxResponse)
	fl.StringVarP(&opts.Output, "output", "o", "short", "Output format: one of short|json|yaml")
	fl.StringVar(&opts.JQ, "jq", "", "Run a jq `expression` over the JSON output (implies -o json)")
	fl.BoolVar(&opts.FailOnMismatch, "fail-on-mismatch", false, "Exit with code 3 when the report lists a mismatch (for scripts and CI)")
	_ = cmd.RegisterFlagCompletionFunc("output", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return []string{"short", "json", "yaml"}, cobra.ShellCompDirectiveNoFileComp
	})
	return cmd
}

// complete reads the target and the namespace.
func (o *Options) complete(target string) error {
	ref, err := kube.ParseTarget(target)
	if err != nil || ref.Kind != kube.KindPod {
		return cmdutil.FlagErrorf("invalid %s %q: use <name>[.<namespace>]", o.Kind, target)
	}
	o.Name = ref.Name
	switch {
	case ref.Namespace != "":
		o.Namespace, o.NamespaceExplicit = ref.Namespace, true
	case flagNamespace(o.Factory) != "":
		o.Namespace, o.NamespaceExplicit = flagNamespace(o.Factory), true
	}
	return nil
}

// flagNamespace is -n/--namespace as given, or "".
func flagNamespace(f *cmdutil.Factory) string {
	if f == nil {
		return ""
	}
	if kf := kube.ConfigFlags(f); kf != nil && kf.Namespace != nil {
		return *kf.Namespace
	}
	return ""
}

func (o *Options) validate() error {
	if o.JQ != "" {
		if o.Output != "json" && o.Output != "short" {
			return cmdutil.FlagErrorf("--jq works on JSON output; drop -o %s", o.Output)
		}
		o.Output = "json"
	}
	switch o.Output {
	case "short", "json", "yaml":
	default:
		return cmdutil.FlagErrorf("unknown output format %q: use one of short, json, yaml", o.Output)
	}
	if o.Timeout <= 0 {
		return cmdutil.FlagErrorf("--timeout must be positive, got %s", o.Timeout)
	}
	if o.AdminPort < 0 || o.AdminPort > 65535 {
		return cmdutil.FlagErrorf("--proxy-admin-port must be between 1 and 65535, got %d", o.AdminPort)
	}
	stdin := 0
	for _, f := range append(append([]string{}, o.K8sFiles...), o.Files...) {
		_, path := splitFileFlag(f)
		if path == "" {
			return cmdutil.FlagErrorf("--file %q names no file: use [<pod>[.<namespace>]=]<path>", f)
		}
		if path == "-" {
			stdin++
		}
	}
	if stdin > 1 {
		return cmdutil.FlagErrorf("only one file can be standard input (-)")
	}
	bare := 0
	for _, f := range o.Files {
		if pod, _ := splitFileFlag(f); pod == "" {
			bare++
		}
	}
	if bare > 1 {
		return cmdutil.FlagErrorf("give at most one --file without a pod name; name the others <pod>[.<namespace>]=<path>")
	}
	return nil
}

// splitFileFlag reads --file [<pod>[.<namespace>]=]<path>.
func splitFileFlag(s string) (pod, path string) {
	if i := strings.IndexByte(s, '='); i > 0 && !strings.ContainsAny(s[:i], `/\`) {
		return s[:i], s[i+1:]
	}
	return "", s
}

func (o *Options) offline() bool { return len(o.K8sFiles) > 0 }

func (o *Options) warn(msg string) {
	fmt.Fprintf(o.IO.ErrOut, "Warning: %s\n", msg)
}

func (o *Options) run(ctx context.Context) error {
	var code *gojq.Code
	if o.JQ != "" {
		c, err := render.CompileJQ(o.JQ)
		if err != nil {
			return cmdutil.FlagErrorf("%s", err.Error())
		}
		code = c
	}
	g, userNS, err := o.gather(ctx)
	if err != nil {
		return err
	}
	d := describe.New(g.Cluster, describe.Options{
		Namespace:      userNS,
		IstioNamespace: o.IstioNamespace,
		AdminPort:      func(p *corev1.Pod) (int, string) { return kube.AdminPort(p, o.AdminPort) },
	})
	proxies, err := o.proxies(ctx, d, g.Pods)
	if err != nil {
		return err
	}
	var report any
	var text func(io.Writer) error
	mismatches := 0
	topts := describe.TextOptions{Namespace: userNS}
	if o.Kind == kindPod {
		r := d.Pod(g.Pods[0], proxies)
		report, text = r, func(w io.Writer) error { return describe.WritePodText(w, r, topts) }
		mismatches = len(r.Mismatches)
	} else {
		r := d.Service(g.Service, proxies)
		report, text = r, func(w io.Writer) error { return describe.WriteServiceText(w, r, topts) }
		for i := range r.Pods {
			mismatches += len(r.Pods[i].Mismatches)
		}
	}
	for _, w := range d.Warnings() {
		o.warn(w)
	}
	if err := o.write(report, text, code); err != nil {
		return err
	}
	if o.FailOnMismatch && mismatches > 0 {
		return &cmdutil.ProblemsError{Msg: fmt.Sprintf("%d %s between the declared config and the proxy's (--fail-on-mismatch)",
			mismatches, map[bool]string{true: "mismatch", false: "mismatches"}[mismatches == 1])}
	}
	return nil
}

func (o *Options) write(report any, text func(io.Writer) error, code *gojq.Code) error {
	if o.Output == "short" {
		return text(o.IO.Out)
	}
	data, err := json.Marshal(report)
	if err != nil {
		return fmt.Errorf("render the report: %w", err)
	}
	return render.WriteAs(o.IO.Out, data, o.Output, code)
}

// gather reads the Kubernetes side, from files or the API, and returns the user's namespace.
func (o *Options) gather(ctx context.Context) (*gathered, string, error) {
	req := request{Kind: o.Kind, Name: o.Name, Namespace: o.Namespace, IstioNamespace: o.IstioNamespace}
	if o.offline() {
		files := map[string][]byte{}
		for _, p := range o.K8sFiles {
			data, err := o.readFile(p, "--k8s-file", "a list of Kubernetes objects", "save the objects with: kubectl get pods,services -n <namespace> -o yaml > objects.yaml")
			if err != nil {
				return nil, "", err
			}
			files[p] = data
		}
		if req.Namespace == "" {
			req.Namespace = "default"
		}
		g, ns, err := gatherFiles(files, o.K8sFiles, req, o.NamespaceExplicit, o.warn)
		if err != nil {
			return nil, "", err
		}
		userNS := ns
		if ns := flagNamespace(o.Factory); o.NamespaceExplicit && ns != "" {
			userNS = ns
		}
		return g, userNS, nil
	}
	cl, err := o.Clients()
	if err != nil {
		return nil, "", err
	}
	if req.Namespace == "" {
		req.Namespace = cl.Namespace
	}
	userNS := cl.Namespace
	g, err := kube.GatherObjects(ctx, cl, req, o.warn)
	if err != nil {
		return nil, "", err
	}
	return g, userNS, nil
}

// clientsFromFlags makes the typed and dynamic clients from kubectl's flags.
func clientsFromFlags(f *cmdutil.Factory) (*Clients, error) {
	return kube.NewObjectClients(kube.ConfigFlags(f), "to describe from saved objects use --k8s-file (and --file for the proxy)")
}

// proxies reads the config dumps describe needs: from --file, or live through port-forwards.
func (o *Options) proxies(ctx context.Context, d *describe.Describer, pods []*corev1.Pod) (map[string]*describe.Proxy, error) {
	needed := d.ProxiesNeeded(pods)
	out := map[string]*describe.Proxy{}
	if len(o.Files) > 0 || o.offline() {
		byPod := map[string]string{}
		bare := ""
		for _, f := range o.Files {
			pod, path := splitFileFlag(f)
			if pod == "" {
				bare = path
				continue
			}
			if !strings.Contains(pod, ".") {
				pod += "." + o.podNamespace(pods)
			}
			byPod[pod] = path
		}
		if bare != "" {
			var injected []string
			for _, p := range pods {
				id := p.Name + "." + p.Namespace
				if contains(needed, id) && byPod[id] == "" {
					injected = append(injected, id)
				}
			}
			switch {
			case len(injected) == 1:
				byPod[injected[0]] = bare
			case len(injected) > 1:
				return nil, cmdutil.FlagErrorf("%d pods are described: name the pod of --file %q as <pod>[.<namespace>]=%s", len(injected), bare, bare)
			default:
				return nil, cmdutil.FlagErrorf("--file %q: no described pod has a proxy to read it for", bare)
			}
		}
		for id, path := range byPod {
			if !contains(needed, id) {
				o.warn(fmt.Sprintf("--file %s=%s: pod %s is neither described nor a gateway of it, so the dump is not read", id, path, id))
				continue
			}
			out[id] = o.readDump(path)
		}
		for _, id := range needed {
			if _, ok := out[id]; !ok {
				out[id] = &describe.Proxy{Err: fmt.Errorf("no config dump given for it (--file %s=<dump>)", id)}
			}
		}
		return out, nil
	}
	if len(needed) == 0 {
		return out, nil
	}
	resolver, err := o.Factory.Resolver()
	if err != nil {
		return nil, err
	}
	q := cmdutil.TargetQuery{Args: needed, AdminPort: o.AdminPort, MaxResponse: o.MaxResponse}
	res, err := livefetch.Fetch(ctx, o.IO, resolver, q, []string{admin.PathConfigDump}, livefetch.Options{Timeout: o.Timeout + 5*time.Second})
	if err != nil {
		if ctx.Err() != nil {
			return nil, err
		}
		for _, id := range needed {
			out[id] = &describe.Proxy{Source: "live", Err: err}
		}
		return out, nil
	}
	for _, r := range res {
		if r.Err != nil {
			out[r.Target] = &describe.Proxy{Source: "live", Err: r.Err}
			continue
		}
		out[r.Target] = o.parseDump(r.Bodies[admin.PathConfigDump], "live", "pod "+r.Target)
	}
	return out, nil
}

func (o *Options) podNamespace(pods []*corev1.Pod) string {
	if len(pods) > 0 {
		return pods[0].Namespace
	}
	return o.Namespace
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (o *Options) readDump(path string) *describe.Proxy {
	data, err := o.readFile(path, "--file", "Envoy admin output", "save a dump with: kubectl exec <pod> -c istio-proxy -- curl -s localhost:15000/config_dump > dump.json")
	if err != nil {
		return &describe.Proxy{Source: inputfile.Input{}.Name(path), Err: err}
	}
	name := inputfile.Input{}.Name(path) // file "dump.json", or standard input
	return o.parseDump(data, name, name)
}

// parseDump parses a config dump; a truncated one is used with a warning.
func (o *Options) parseDump(data []byte, source, name string) *describe.Proxy {
	d, err := configdump.Parse(data)
	if err != nil {
		return &describe.Proxy{Source: source, Err: err}
	}
	if d.Partial != "" {
		o.warn(fmt.Sprintf("%s: %s", name, d.Partial))
	}
	return &describe.Proxy{Dump: d, Source: source}
}

// readFile reads path, or standard input for "-"; the messages name the input by its flag.
func (o *Options) readFile(path, flag, kind, hint string) ([]byte, error) {
	return inputfile.Input{Flag: flag, Want: "a file", Hint: hint, Kind: kind, Max: maxInput}.Read(path, o.IO.In)
}
