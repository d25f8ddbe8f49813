package proxyconfig

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/xdsctl/xdsctl/internal/admin"
	"github.com/xdsctl/xdsctl/internal/cmdutil"
	"github.com/xdsctl/xdsctl/pkg/configdump"
	"github.com/xdsctl/xdsctl/pkg/render"
)

// healthStatuses are the values --status takes (envoy.config.core.v3.HealthStatus).
var healthStatuses = []string{"HEALTHY", "UNHEALTHY", "DRAINING", "TIMEOUT", "DEGRADED", "UNKNOWN"}

// EndpointsOptions are the options of `proxy-config endpoints`.
type EndpointsOptions struct {
	viewOptions
	Filter configdump.EndpointFilter
	// EDS reads a live proxy's /config_dump?include_eds (what the control plane sent) instead of
	// /clusters?format=json (what Envoy load-balances to, with health).
	EDS bool
}

// NewCmdEndpoints returns `proxy-config endpoints`.
func NewCmdEndpoints(f *cmdutil.Factory, runF func(*EndpointsOptions) error) *cobra.Command {
	opts := &EndpointsOptions{}
	var port int
	cmd := &cobra.Command{
		Use:     "endpoints {<pod>[.<namespace>] | -l <selector> | --admin <url> | --file <path>}",
		Aliases: []string{"endpoint", "ep"},
		Short:   "Show the endpoints of an Envoy proxy's clusters",
		Long: `Show the upstream endpoints of an Envoy proxy's clusters.

From a live proxy, or a file saved from /clusters?format=json, the table is what Envoy load-balances
to now: each host with its health status and whether outlier detection ejected it.
From a /config_dump saved with ?include_eds (or with --eds on a live proxy), the table is the EDS
section: the endpoints the control plane sent, with their locality. xdsctl tells the two inputs
apart by their content. -o wide adds weights, priorities, health flags and, for EDS, how many
endpoints of each cluster are usable, clusters without endpoints and rejected (NACKed) updates.`,
		Example: `# endpoints of a pod's sidecar, with health
xdsctl proxy-config endpoints productpage-v1-7bbd79f8fd-k6j79.default

# the unhealthy endpoints of one cluster, from a saved /clusters?format=json
xdsctl pc ep -f clusters.json --cluster "outbound|9080||reviews.default.svc.cluster.local" --status unhealthy

# the EDS section of a saved config dump
xdsctl pc ep -f dump.json`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := opts.validate(args); err != nil {
				return err
			}
			if err := validPort(port); err != nil {
				return err
			}
			opts.Filter.Port = uint32(port)
			if s := opts.Filter.Status; s != "" && !containsFold(healthStatuses, s) {
				return cmdutil.FlagErrorf("--status %q is not a health status: use one of %s", s, strings.Join(healthStatuses, ", "))
			}
			if runF != nil {
				return runF(opts)
			}
			return runView(cmd.Context(), f, &opts.viewOptions, []string{opts.path()}, opts.build)
		},
	}
	addViewFlags(cmd, &opts.viewOptions, "short")
	cmd.Flags().StringVar(&opts.Filter.Address, "address", "", "Show only endpoints with this `address` (an IP, ip:port or a socket path)")
	cmd.Flags().IntVar(&port, "port", 0, "Show only endpoints on this `port`")
	cmd.Flags().StringVar(&opts.Filter.Cluster, "cluster", "", "Show only the endpoints of the Envoy cluster with this `name` (here it is not kubectl's --cluster: use --context to pick a kubeconfig cluster)")
	cmd.Flags().StringVar(&opts.Filter.Status, "status", "", "Show only endpoints with this health `status` ("+strings.Join(healthStatuses, ", ")+")")
	cmd.Flags().BoolVar(&opts.EDS, "eds", false, "From a live proxy, show the EDS section of /config_dump?include_eds instead of /clusters?format=json")
	_ = cmd.RegisterFlagCompletionFunc("status", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return healthStatuses, cobra.ShellCompDirectiveNoFileComp
	})
	return cmd
}

// path is the admin path the view reads from a live proxy.
func (o *EndpointsOptions) path() string {
	if o.EDS {
		return admin.PathConfigDumpWithEDS
	}
	return admin.PathClustersJSON
}

func (o *EndpointsOptions) build(bodies map[string][]byte, w *configdump.Warnings) (*viewResult, error) {
	clusters, dump, err := configdump.ParseEndpointsInput(bodies[o.path()])
	if err != nil {
		return nil, err
	}
	if dump != nil {
		if dump.Partial != "" {
			w.Add("partial", dump.Partial)
		}
		w.Merge(dump.Warnings)
		dump.Warnings = w
		return edsView(dump, o.Filter, &o.Output, w)
	}
	if clusters.Partial != "" {
		w.Add("partial", clusters.Partial)
	}
	res := &viewResult{}
	if !o.Output.IsTable() {
		sel := clusters.Selected(o.Filter)
		res.Items = normalizeAll(w, "envoy.admin.v3.ClusterStatus", sel, func(c *configdump.ClusterStatus) []byte { return c.Raw.Raw() }, o.Output.ShowSecrets)
		return res, err
	}
	res.Table = hostTable(clusters.Hosts(o.Filter), o.Output.Format == "wide")
	return res, nil
}

// hostTable is the endpoints table of /clusters?format=json, as istioctl prints it; wide adds
// what Envoy knows of each host beyond that.
func hostTable(hosts []*configdump.Host, wide bool) *render.Table {
	t := &render.Table{Padding: 5, Headers: []string{"ENDPOINT", "STATUS", "OUTLIER CHECK", "CLUSTER"}}
	if wide {
		t.Headers = append(t.Headers, "WEIGHT", "PRIORITY", "LOCALITY", "HEALTH FLAGS")
	}
	t.Rows = make([][]string, 0, len(hosts))
	for _, h := range hosts {
		outlier := "OK"
		if h.FailedOutlierCheck {
			outlier = "FAILED"
		}
		row := []string{h.Endpoint(), h.Status, outlier, h.Cluster}
		if wide {
			row = append(row, weightCell(h.Weight), strconv.FormatUint(uint64(h.Priority), 10), render.Dash(h.Locality.String()), render.Dash(strings.Join(h.Flags, ",")))
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}

// edsView is the endpoints view of a config dump: its EDS section.
func edsView(d *configdump.Dump, f configdump.EndpointFilter, out *cmdutil.OutputOptions, w *configdump.Warnings) (*viewResult, error) {
	las, err := d.EDS()
	if err != nil {
		return nil, err
	}
	res := &viewResult{}
	if !out.IsTable() {
		res.Items = normalizeAll(w, "envoy.config.endpoint.v3.ClusterLoadAssignment", las, func(la *configdump.LoadAssignment) []byte {
			if la.Raw.Exists() && len(la.Select(f)) > 0 {
				return la.FilteredJSON(f)
			}
			return nil
		}, out.ShowSecrets)
		return res, err
	}
	wide := out.Format == "wide"
	res.Table = edsTable(las, f, wide, "")
	if !wide {
		res.Notes = edsNotes(d, las, f)
	}
	return res, nil
}

// edsTable is istioctl's EDS table (its hidden `pc eds`). prefix is "endpoint/" in the all view.
// Wide adds weights, priorities, how many endpoints of the cluster are usable, the resource state
// and version, and rows for clusters without endpoints and for rejected updates.
func edsTable(las []configdump.LoadAssignment, f configdump.EndpointFilter, wide bool, prefix string) *render.Table {
	t := &render.Table{Padding: 5, Headers: []string{"NAME", "STATUS", "LOCALITY", "CLUSTER"}}
	if wide {
		t.Headers = append(t.Headers, "WEIGHT", "PRIORITY", "USABLE", "STATE", "VERSION", "LAST UPDATED")
	}
	showEmpty := f.Address == "" && f.Port == 0 && f.Status == ""
	for i := range las {
		la := &las[i]
		if f.Cluster != "" && !strings.EqualFold(la.Cluster, f.Cluster) {
			continue
		}
		tail := func() []string {
			return []string{stateCell(la.Meta), render.Dash(la.VersionInfo), render.Dash(la.LastUpdated)}
		}
		if la.State == configdump.StateError || len(la.Endpoints) == 0 {
			if wide && (la.State == configdump.StateError || showEmpty) {
				t.Rows = append(t.Rows, append([]string{"-", "-", "-", render.Dash(la.Cluster), "-", "-", "0/0"}, tail()...))
			}
			continue
		}
		usable := 0
		for j := range la.Endpoints {
			if la.Endpoints[j].Usable() {
				usable++
			}
		}
		for _, e := range la.Select(f) {
			if !wide {
				t.Rows = append(t.Rows, []string{prefix + e.Name(), e.Status, e.Locality.String(), la.Cluster})
				continue
			}
			row := []string{prefix + e.Name(), e.Status, render.Dash(e.Locality.String()), render.Dash(la.Cluster),
				weightCell(e.Weight), strconv.FormatUint(uint64(e.Priority), 10), fmt.Sprintf("%d/%d", usable, len(la.Endpoints))}
			t.Rows = append(t.Rows, append(row, tail()...))
		}
	}
	return t
}

// edsNotes says what the short EDS table leaves out. An assignment without endpoints is counted
// only for a cluster of type EDS: a STATIC cluster may be empty on purpose (Istio's
// BlackHoleCluster) and an ORIGINAL_DST one never has endpoints. The types are read from d only
// when an assignment is empty; without a cluster section every empty one counts.
func edsNotes(d *configdump.Dump, las []configdump.LoadAssignment, f configdump.EndpointFilter) []string {
	var rejected, nacked int
	var empty []string
	for i := range las {
		la := &las[i]
		if f.Cluster != "" && !strings.EqualFold(la.Cluster, f.Cluster) {
			continue
		}
		switch {
		case la.State == configdump.StateError:
			rejected++
		case la.Error != nil:
			nacked++
		}
		if la.State != configdump.StateError && len(la.Endpoints) == 0 {
			empty = append(empty, la.Cluster)
		}
	}
	var notes []string
	if len(empty) > 0 && f.Address == "" && f.Port == 0 && f.Status == "" {
		n := len(empty)
		if types, err := d.ClusterTypes(); err == nil {
			n = 0
			for _, c := range empty {
				if types[c] == "EDS" {
					n++
				}
			}
		}
		if n > 0 {
			notes = append(notes, fmt.Sprintf("%d %s no endpoints; see -o wide", n, plural(n, "EDS cluster has", "EDS clusters have")))
		}
	}
	return append(notes, rejectionNotes("cluster load assignment", rejected, nacked)...)
}

// weightCell shows a load-balancing weight; Envoy's default when unset is 1.
func weightCell(w uint32) string {
	if w == 0 {
		return "1"
	}
	return strconv.FormatUint(uint64(w), 10)
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}
