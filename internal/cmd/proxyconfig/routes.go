package proxyconfig

import (
	"strconv"

	"github.com/spf13/cobra"

	"github.com/xdsctl/xdsctl/internal/admin"
	"github.com/xdsctl/xdsctl/internal/cmdutil"
	"github.com/xdsctl/xdsctl/pkg/configdump"
	"github.com/xdsctl/xdsctl/pkg/render"
)

// RoutesOptions are the options of `proxy-config routes`.
type RoutesOptions struct {
	viewOptions
	Filter  configdump.RouteFilter
	Verbose bool
}

// NewCmdRoutes returns `proxy-config routes`.
func NewCmdRoutes(f *cmdutil.Factory, runF func(*RoutesOptions) error) *cobra.Command {
	opts := &RoutesOptions{}
	cmd := &cobra.Command{
		Use:     "routes {<pod>[.<namespace>] | -l <selector> | --admin <url> | --file <path>}",
		Aliases: []string{"route", "r"},
		Short:   "Show the routes of an Envoy proxy",
		Long: `Show the HTTP routes of an Envoy proxy, one row per route: route configuration, virtual host,
domains, match and the Istio VirtualService it came from. -o wide adds the destination cluster.`,
		Example: `# routes of a pod's sidecar
xdsctl proxy-config routes productpage-v1-7bbd79f8fd-k6j79.default

# one route configuration, from a saved dump
xdsctl pc r -f dump.json --name 9080`,
		Args: cobra.MaximumNArgs(1),
		RunE: viewRunE(f, opts, &opts.viewOptions, runF, opts.build),
	}
	addViewFlags(cmd, &opts.viewOptions, "short")
	cmd.Flags().StringVar(&opts.Filter.Name, "name", "", "Show only the route configuration with this `name`")
	cmd.Flags().BoolVar(&opts.Verbose, "verbose", true, "One row per route; --verbose=false gives one row per route configuration")
	return cmd
}

func (o *RoutesOptions) build(bodies map[string][]byte, w *configdump.Warnings) (*viewResult, error) {
	d, err := parseDump(bodies[admin.PathConfigDump], w)
	if err != nil {
		return nil, err
	}
	all, err := d.Routes()
	if err != nil {
		return nil, err
	}
	var sel []configdump.RouteConfig
	for i := range all {
		if o.Filter.Match(&all[i]) {
			sel = append(sel, all[i])
		}
	}
	res := &viewResult{}
	if !o.Output.IsTable() {
		res.Items = normalizeAll(w, "envoy.config.route.v3.RouteConfiguration", sel, func(r *configdump.RouteConfig) []byte { return r.Raw.Raw() }, o.Output.ShowSecrets)
		return res, err
	}
	wide := o.Output.Format == "wide"
	res.Table = routeTable(sel, o.Verbose, wide, "")
	if !wide {
		res.Notes = hiddenNote("route configuration", len(sel), func(i int) configdump.Meta { return sel[i].Meta })
	}
	return res, nil
}

// routeTable is the routes table. prefix is "route/" in the all view, put before each name as istioctl does.
func routeTable(rcs []configdump.RouteConfig, verbose, wide bool, prefix string) *render.Table {
	t := &render.Table{Padding: 5}
	switch {
	case wide:
		t.Headers = []string{"NAME", "VHOST NAME", "DOMAINS", "MATCH", "CLUSTER", "VIRTUAL SERVICE", "STATE", "VERSION"}
	case verbose:
		t.Headers = []string{"NAME", "VHOST NAME", "DOMAINS", "MATCH", "VIRTUAL SERVICE"}
	default:
		t.Headers = []string{"NAME", "VIRTUAL HOSTS"}
	}
	for i := range rcs {
		rc := &rcs[i]
		name := prefix + rc.Name
		if !wide && !rc.IsShort() {
			continue
		}
		if !verbose && !wide {
			t.Rows = append(t.Rows, []string{name, strconv.Itoa(len(rc.VirtualHosts))})
			continue
		}
		for _, vh := range rc.VirtualHosts {
			doms := configdump.DescribeDomains(vh.Domains)
			for _, r := range vh.Routes {
				if wide {
					t.Rows = append(t.Rows, []string{render.Dash(name), render.Dash(vh.Name), render.Dash(doms), render.Dash(r.Match),
						render.Dash(r.Cluster), render.Dash(r.VirtualService), stateCell(rc.Meta), render.Dash(rc.VersionInfo)})
					continue
				}
				if r.Passthrough {
					continue
				}
				t.Rows = append(t.Rows, []string{name, vh.Name, doms, r.Match, r.VirtualService})
			}
			if len(vh.Routes) == 0 {
				if wide {
					t.Rows = append(t.Rows, []string{render.Dash(name), render.Dash(vh.Name), render.Dash(doms), "/*", "404", "-", stateCell(rc.Meta), render.Dash(rc.VersionInfo)})
					continue
				}
				t.Rows = append(t.Rows, []string{name, vh.Name, doms, "/*", "404"})
			}
		}
		if wide && len(rc.VirtualHosts) == 0 {
			t.Rows = append(t.Rows, []string{render.Dash(name), "-", "-", "-", "-", "-", stateCell(rc.Meta), render.Dash(rc.VersionInfo)})
		}
	}
	return t
}
