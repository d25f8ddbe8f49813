package proxyconfig

import (
	"strconv"

	"github.com/spf13/cobra"

	"github.com/xdsctl/xdsctl/internal/admin"
	"github.com/xdsctl/xdsctl/internal/cmdutil"
	"github.com/xdsctl/xdsctl/pkg/configdump"
	"github.com/xdsctl/xdsctl/pkg/render"
)

// ClustersOptions are the options of `proxy-config clusters`.
type ClustersOptions struct {
	viewOptions
	Filter configdump.ClusterFilter
}

// NewCmdClusters returns `proxy-config clusters`.
func NewCmdClusters(f *cmdutil.Factory, runF func(*ClustersOptions) error) *cobra.Command {
	opts := &ClustersOptions{}
	cmd := &cobra.Command{
		Use:     "clusters {<pod>[.<namespace>] | -l <selector> | --admin <url> | --file <path>}",
		Aliases: []string{"cluster", "c"},
		Short:   "Show the clusters of an Envoy proxy",
		Long: `Show the clusters of an Envoy proxy. Istio cluster names (direction|port|subset|fqdn) are split
into columns, and the DestinationRule a cluster came from is named. Warming and rejected (NACKed)
clusters are listed with -o wide.`,
		Example: `# clusters of a pod's sidecar
xdsctl proxy-config clusters reviews-v1-545db77b95-2pkbx.default

# outbound clusters for one service, from a saved dump
xdsctl pc c -f dump.json --fqdn reviews.default.svc.cluster.local --direction outbound`,
		Args: cobra.MaximumNArgs(1),
		RunE: viewRunE(f, opts, &opts.viewOptions, runF, opts.build),
	}
	addViewFlags(cmd, &opts.viewOptions, "short")
	cmd.Flags().StringVar(&opts.Filter.FQDN, "fqdn", "", "Show only clusters whose name contains this `fqdn`")
	cmd.Flags().IntVar(&opts.Filter.Port, "port", 0, "Show only clusters of this `port`")
	cmd.Flags().StringVar(&opts.Filter.Subset, "subset", "", "Show only clusters whose name contains this `subset`")
	cmd.Flags().StringVar(&opts.Filter.Direction, "direction", "", "Show only clusters of this `direction` (inbound, outbound, inbound-vip)")
	return cmd
}

func (o *ClustersOptions) build(bodies map[string][]byte, w *configdump.Warnings) (*viewResult, error) {
	d, err := parseDump(bodies[admin.PathConfigDump], w)
	if err != nil {
		return nil, err
	}
	all, err := d.Clusters()
	if err != nil {
		return nil, err
	}
	var sel []configdump.Cluster
	for i := range all {
		if o.Filter.Match(&all[i]) {
			sel = append(sel, all[i])
		}
	}
	res := &viewResult{}
	if !o.Output.IsTable() {
		res.Items = normalizeAll(w, "envoy.config.cluster.v3.Cluster", sel, func(r *configdump.Cluster) []byte { return r.Raw.Raw() }, o.Output.ShowSecrets)
		return res, err
	}
	wide := o.Output.Format == "wide"
	res.Table = clusterTable(sel, wide, "")
	if !wide {
		res.Notes = hiddenNote("cluster", len(sel), func(i int) configdump.Meta { return sel[i].Meta })
	}
	return res, nil
}

// clusterTable is the clusters table. prefix is "cluster/" in the all view, which adds a NAME
// column as istioctl does (and, as istioctl, prefixes the FQDN of clusters not named by Istio).
func clusterTable(cs []configdump.Cluster, wide bool, prefix string) *render.Table {
	t := &render.Table{Padding: 5, Headers: []string{"SERVICE FQDN", "PORT", "SUBSET", "DIRECTION", "TYPE", "DESTINATION RULE"}}
	switch {
	case wide:
		t.Headers = append([]string{"NAME"}, append(t.Headers, "STATE", "VERSION", "LAST UPDATED")...)
	case prefix != "":
		t.Headers = append([]string{"NAME"}, t.Headers...)
	}
	for i := range cs {
		c := &cs[i]
		if !wide && !c.IsShort() {
			continue
		}
		port, subset, dir := "-", "-", "-"
		if c.Port != 0 || c.Direction != "" {
			port = strconv.Itoa(c.Port)
			dir = c.Direction
			if c.Subset != "" {
				subset = c.Subset
			}
		}
		fqdn := c.FQDN
		switch {
		case wide:
			fqdn = render.Dash(fqdn)
		case prefix != "" && !c.IsSubsetKey():
			fqdn = prefix + fqdn
		}
		row := []string{fqdn, port, subset, dir, c.Type, c.DestinationRule}
		switch {
		case wide:
			row = append([]string{prefix + c.Name}, append(row[:5], render.Dash(c.DestinationRule), stateCell(c.Meta), render.Dash(c.VersionInfo), render.Dash(c.LastUpdated))...)
		case prefix != "":
			row = append([]string{prefix + c.Name}, row...)
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}
