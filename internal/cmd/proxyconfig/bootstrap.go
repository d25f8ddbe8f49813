package proxyconfig

import (
	"bytes"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/xdsctl/xdsctl/internal/admin"
	"github.com/xdsctl/xdsctl/internal/cmdutil"
	"github.com/xdsctl/xdsctl/pkg/configdump"
	"github.com/xdsctl/xdsctl/pkg/render"
)

// BootstrapOptions are the options of `proxy-config bootstrap`.
type BootstrapOptions struct {
	viewOptions
}

// NewCmdBootstrap returns `proxy-config bootstrap`.
func NewCmdBootstrap(f *cmdutil.Factory, runF func(*BootstrapOptions) error) *cobra.Command {
	opts := &BootstrapOptions{}
	cmd := &cobra.Command{
		Use:     "bootstrap {<pod>[.<namespace>] | -l <selector> | --admin <url> | --file <path>}",
		Aliases: []string{"b"},
		Short:   "Show the bootstrap configuration of an Envoy proxy",
		Long: `Show the bootstrap configuration of an Envoy proxy: the configuration it started with, before any
xDS update. As istioctl, the default output is JSON; -o short prints the Istio and Envoy versions,
-o wide adds the node, its locality, the admin address and the xDS cluster.`,
		Example: `# bootstrap of a pod's sidecar, as JSON
xdsctl proxy-config bootstrap productpage-v1-7bbd79f8fd-k6j79.default

# Istio and Envoy versions, from a saved dump
xdsctl pc b -f dump.json -o short

# the node metadata
xdsctl pc b -f dump.json --jq '.bootstrap.node.metadata'`,
		Args: cobra.MaximumNArgs(1),
		RunE: viewRunE(f, opts, &opts.viewOptions, runF, opts.build),
	}
	addViewFlags(cmd, &opts.viewOptions, "json")
	return cmd
}

func (o *BootstrapOptions) build(bodies map[string][]byte, w *configdump.Warnings) (*viewResult, error) {
	d, err := parseDump(bodies[admin.PathConfigDump], w)
	if err != nil {
		return nil, err
	}
	b, err := d.Bootstrap()
	if err != nil {
		return nil, err
	}
	res := &viewResult{}
	if !o.Output.IsTable() {
		res.Object, err = configdump.Normalize(b.Raw.Raw(), configdump.NormalizeOptions{ShowSecrets: o.Output.ShowSecrets, Warnings: w, Type: "envoy.admin.v3.BootstrapConfigDump"})
		return res, err
	}
	res.Text = bootstrapText(b, o.Output.Format == "wide")
	return res, nil
}

// bootstrapText is istioctl's version summary (`bootstrap -o short`); wide adds who the proxy is.
func bootstrapText(b *configdump.Bootstrap, wide bool) []byte {
	var buf bytes.Buffer
	tw := tabwriter.NewWriter(&buf, 0, 8, 1, ' ', 0)
	line := func(k, v string) { fmt.Fprintf(tw, "%s:\t%s\n", k, v) }
	if b.Static != "" {
		line("Static Config", b.Static)
	}
	if wide {
		line("Node ID", render.Dash(b.NodeID))
		line("Node Cluster", render.Dash(b.NodeCluster))
		line("Locality", render.Dash(b.Locality.String()))
	}
	if b.IstioVersion != "" {
		line("Istio Version", b.IstioVersion)
	}
	if b.IstioProxySHA != "" {
		line("Istio Proxy Version", b.IstioProxySHA)
	}
	line("Envoy Version", b.EnvoyVersion)
	if wide {
		line("User Agent", render.Dash(b.UserAgent))
		line("Admin Address", render.Dash(b.AdminAddress))
		line("xDS Cluster", render.Dash(b.XDSCluster))
		line("Last Updated", render.Dash(b.LastUpdated))
	}
	_ = tw.Flush()
	return buf.Bytes()
}
