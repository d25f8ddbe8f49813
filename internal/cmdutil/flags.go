package cmdutil

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/itchyny/gojq"
	"github.com/spf13/cobra"

	"github.com/xdsctl/xdsctl/pkg/render"
)

// OutputOptions are the output flags every view has: -o, --jq, --no-headers, --show-secrets.
type OutputOptions struct {
	Format      string // short, wide, json or yaml
	JQ          string
	NoHeaders   bool
	ShowSecrets bool

	jq *gojq.Code // JQ compiled by Validate
}

// Formats are the values -o accepts.
var Formats = []string{"short", "wide", "json", "yaml"}

// AddOutputFlags binds the output flags to o, with def as the default format.
func AddOutputFlags(cmd *cobra.Command, o *OutputOptions, def string) {
	cmd.Flags().StringVarP(&o.Format, "output", "o", def, "Output format: one of "+strings.Join(Formats, "|"))
	cmd.Flags().StringVar(&o.JQ, "jq", "", "Run a jq `expression` over the JSON output (implies -o json)")
	cmd.Flags().BoolVar(&o.NoHeaders, "no-headers", false, "Leave out the table headers")
	cmd.Flags().BoolVar(&o.ShowSecrets, "show-secrets", false, "Show private keys and other secret material instead of [redacted]")
	_ = cmd.RegisterFlagCompletionFunc("output", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return Formats, cobra.ShellCompDirectiveNoFileComp
	})
}

// Validate checks the format; --jq turns the format to json.
func (o *OutputOptions) Validate() error {
	if o.JQ != "" {
		if o.Format != "json" && o.Format != "short" && o.Format != "" {
			return FlagErrorf("--jq works on JSON output; drop -o %s", o.Format)
		}
		o.Format = "json"
		code, err := render.CompileJQ(o.JQ) // a bad expression is reported before any work is done
		if err != nil {
			return FlagErrorf("%s", err.Error())
		}
		o.jq = code
	}
	for _, f := range Formats {
		if o.Format == f {
			return nil
		}
	}
	return FlagErrorf("unknown output format %q: use one of %s", o.Format, strings.Join(Formats, ", "))
}

// JQCode is the --jq expression as Validate compiled it, or nil.
func (o *OutputOptions) JQCode() *gojq.Code { return o.jq }

// WriteData writes JSON data as the flags ask: --jq results, YAML or indented JSON.
func (o *OutputOptions) WriteData(w io.Writer, data []byte) error {
	return render.WriteAs(w, data, o.Format, o.jq)
}

// IsTable tells whether the output is a table (short or wide).
func (o *OutputOptions) IsTable() bool { return o.Format == "short" || o.Format == "wide" }

// SourceOptions say where a view's data comes from: a file, or live proxies.
type SourceOptions struct {
	File          string
	Targets       []string
	Selector      string
	AllNamespaces bool
	AdminURL      string
	AdminPort     int
	Timeout       time.Duration
	// MaxResponse bounds each answer read from a proxy (--max-response, in bytes).
	MaxResponse int64
}

// AddSourceFlags binds -f, -l, -A, --admin, --proxy-admin-port, --timeout and --max-response.
func AddSourceFlags(cmd *cobra.Command, s *SourceOptions) {
	cmd.Flags().StringVarP(&s.File, "file", "f", "", "Read Envoy admin output from `path` (- for standard input) instead of a live proxy")
	AddLiveSourceFlags(cmd, s)
}

// AddLiveSourceFlags binds the flags of live targets only (-l, -A, --admin, --proxy-admin-port,
// --timeout, --max-response), for commands that change a proxy and so have no offline mode.
func AddLiveSourceFlags(cmd *cobra.Command, s *SourceOptions) {
	cmd.Flags().StringVarP(&s.Selector, "selector", "l", "", "Read every pod matching this label `selector`")
	cmd.Flags().BoolVarP(&s.AllNamespaces, "all-namespaces", "A", false, "With -l, look for pods in all namespaces")
	cmd.Flags().StringVar(&s.AdminURL, "admin", "", "Read a proxy's admin API at this `URL` (e.g. http://127.0.0.1:9901), outside Kubernetes")
	cmd.Flags().IntVar(&s.AdminPort, "proxy-admin-port", 0, "Envoy admin `port` in the pod (default: detected from the pod, else 15000)")
	cmd.Flags().DurationVar(&s.Timeout, "timeout", 10*time.Second, "Give up on a proxy (and on finding the pods) after this `duration`")
	AddMaxResponseFlag(cmd.Flags(), &s.MaxResponse)
}

// Validate checks that exactly one source is given.
func (s *SourceOptions) Validate(args []string) error {
	s.Targets = args
	n := 0
	for _, set := range []bool{s.File != "", len(args) > 0, s.Selector != "", s.AdminURL != ""} {
		if set {
			n++
		}
	}
	if n == 0 {
		return FlagErrorf("give a <pod>[.<namespace>], -l <selector>, --admin <url> or --file <path>")
	}
	if n > 1 {
		return FlagErrorf("give only one of <pod>, -l <selector>, --admin <url> or --file <path>")
	}
	if s.AllNamespaces && s.Selector == "" {
		return FlagErrorf("-A/--all-namespaces works with -l <selector>")
	}
	if s.Timeout <= 0 {
		return FlagErrorf("--timeout must be positive, got %s", s.Timeout)
	}
	if s.MaxResponse == 0 { // options built in code, not from flags
		s.MaxResponse = DefaultMaxResponse
	}
	return ValidateMaxResponse(s.MaxResponse)
}

// ValidateLive checks that exactly one live source is given (commands with no offline mode).
func (s *SourceOptions) ValidateLive(args []string) error {
	if len(args) == 0 && s.Selector == "" && s.AdminURL == "" {
		return FlagErrorf("give a <pod>[.<namespace>], -l <selector> or --admin <url>")
	}
	return s.Validate(args)
}

// Query turns live-target options into a TargetQuery.
func (s *SourceOptions) Query() TargetQuery {
	return TargetQuery{Args: s.Targets, Selector: s.Selector, AdminURL: s.AdminURL, AdminPort: s.AdminPort, AllNamespaces: s.AllNamespaces, MaxResponse: s.MaxResponse}
}

// Describe names the source for messages.
func (s *SourceOptions) Describe() string {
	switch {
	case s.File == "-":
		return "standard input"
	case s.File != "":
		return fmt.Sprintf("file %q", s.File)
	case s.AdminURL != "":
		return s.AdminURL
	}
	return strings.Join(s.Targets, ",")
}

// KubeClusterTypo refuses --cluster (the kubeconfig's cluster, a global flag) given the path of a
// file to a command that reads no kubeconfig (offline: -f or --demo) and has --clusters: the
// global flag would take it silently, and --clusters was meant.
func KubeClusterTypo(cmd *cobra.Command, offline bool) error {
	fl := cmd.Flags().Lookup("cluster")
	if !offline || fl == nil || !fl.Changed || cmd.Flags().Lookup("clusters") == nil {
		return nil
	}
	if st, err := os.Stat(fl.Value.String()); err == nil && !st.IsDir() {
		return FlagErrorf("--cluster names a kubeconfig cluster, but %q is a file: give a saved /clusters?format=json with --clusters", fl.Value.String())
	}
	return nil
}
