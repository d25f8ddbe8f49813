package proxyconfig

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/xdsctl/xdsctl/internal/admin"
	"github.com/xdsctl/xdsctl/internal/cmdutil"
	"github.com/xdsctl/xdsctl/pkg/configdump"
	"github.com/xdsctl/xdsctl/pkg/render"
)

// ListenersOptions are the options of `proxy-config listeners`.
type ListenersOptions struct {
	viewOptions
	Filter  configdump.ListenerFilter
	Verbose bool
}

// NewCmdListeners returns `proxy-config listeners`.
func NewCmdListeners(f *cmdutil.Factory, runF func(*ListenersOptions) error) *cobra.Command {
	opts := &ListenersOptions{}
	var port int
	cmd := &cobra.Command{
		Use:     "listeners {<pod>[.<namespace>] | -l <selector> | --admin <url> | --file <path>}",
		Aliases: []string{"listener", "l"},
		Short:   "Show the listeners of an Envoy proxy",
		Long: `Show the listeners of an Envoy proxy, one row per filter chain: what each chain matches
(SNI, transport, ALPN, destination address) and where it sends traffic (a route, a cluster).
Warming, draining and rejected (NACKed) listeners are listed with -o wide.`,
		Example: `# listeners of a pod's sidecar
xdsctl proxy-config listeners productpage-v1-7bbd79f8fd-k6j79.default

# only the listeners on port 9080, from a saved dump
xdsctl pc l --port 9080 -f dump.json

# listener names, with jq
xdsctl pc l -f dump.json --jq '.[].name'`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := opts.validate(args); err != nil {
				return err
			}
			if err := validPort(port); err != nil {
				return err
			}
			opts.Filter.Port = uint32(port)
			if runF != nil {
				return runF(opts)
			}
			return runView(cmd.Context(), f, &opts.viewOptions, []string{admin.PathConfigDump}, opts.build)
		},
	}
	addViewFlags(cmd, &opts.viewOptions, "short")
	cmd.Flags().StringVar(&opts.Filter.Address, "address", "", "Show only listeners with this `address`")
	cmd.Flags().IntVar(&port, "port", 0, "Show only listeners on this `port`")
	cmd.Flags().StringVar(&opts.Filter.Type, "type", "", "Show only listeners of this `type` (HTTP, TCP, HTTP+TCP, UNKNOWN)")
	cmd.Flags().BoolVar(&opts.Verbose, "verbose", true, "One row per filter chain; --verbose=false gives one row per listener")
	return cmd
}

func (o *ListenersOptions) build(bodies map[string][]byte, w *configdump.Warnings) (*viewResult, error) {
	d, err := parseDump(bodies[admin.PathConfigDump], w)
	if err != nil {
		return nil, err
	}
	ls, err := d.Listeners()
	if err != nil {
		return nil, err
	}
	var sel []configdump.Listener
	for i := range ls {
		if o.Filter.Match(&ls[i]) {
			sel = append(sel, ls[i])
		}
	}
	res := &viewResult{}
	wide := o.Output.Format == "wide"
	if !o.Output.IsTable() {
		res.Items = normalizeAll(w, "envoy.config.listener.v3.Listener", sel, func(r *configdump.Listener) []byte { return r.Raw.Raw() }, o.Output.ShowSecrets)
		return res, err
	}
	res.Table = listenerTable(sel, o.Verbose, wide, "")
	if !wide {
		res.Notes = hiddenNote("listener", len(sel), func(i int) configdump.Meta { return sel[i].Meta })
	}
	return res, nil
}

// listenerTable is the listeners table. prefix is "listener/" in the all view, which adds a NAME
// column as istioctl does.
func listenerTable(ls []configdump.Listener, verbose, wide bool, prefix string) *render.Table {
	t := &render.Table{Padding: 1}
	switch {
	case wide:
		t.Headers = []string{"NAME", "ADDRESSES", "PORT", "TYPE", "CHAIN", "MATCH", "DESTINATION", "STATE", "VERSION", "LAST UPDATED"}
	case verbose:
		t.Headers = []string{"ADDRESSES", "PORT", "MATCH", "DESTINATION"}
	default:
		t.Headers = []string{"ADDRESSES", "PORT", "TYPE"}
	}
	named := prefix != "" && !wide
	if named {
		t.Headers = append([]string{"NAME"}, t.Headers...)
	}
	add := func(l *configdump.Listener, row ...string) {
		if named {
			row = append([]string{prefix + l.Name}, row...)
		}
		t.Rows = append(t.Rows, row)
	}
	for i := range ls {
		l := &ls[i]
		if !wide && !l.IsShort() {
			continue
		}
		port := strconv.FormatUint(uint64(l.Port), 10)
		if !verbose && !wide {
			add(l, l.Address(), port, l.Type)
			continue
		}
		chains := append([]configdump.FilterChain(nil), l.FilterChains...)
		sort.Slice(chains, func(i, j int) bool { return chains[i].Destination > chains[j].Destination })
		if wide && len(chains) == 0 {
			chains = []configdump.FilterChain{{Match: "-", Destination: "-"}}
		}
		for _, c := range chains {
			if wide {
				add(l, render.Dash(prefix+l.Name), render.Dash(l.Address()), port, l.Type, render.Dash(c.Name),
					c.Match, c.Destination, stateCell(l.Meta), render.Dash(l.VersionInfo), render.Dash(l.LastUpdated))
				continue
			}
			add(l, l.Address(), port, c.Match, c.Destination)
		}
	}
	return t
}

// stateCell shows a resource's state, with the NACK that Envoy keeps for it.
func stateCell(m configdump.Meta) string {
	if m.Error != nil {
		return fmt.Sprintf("%s (NACKED: %s)", m.State, m.Error.Details)
	}
	return m.State
}

// hiddenNote says how many resources the short table leaves out (warming, draining, rejected).
func hiddenNote(kind string, n int, meta func(int) configdump.Meta) []string {
	counts := map[string]int{}
	nacked := 0
	for i := 0; i < n; i++ {
		m := meta(i)
		if !m.IsShort() {
			counts[m.State]++
		}
		if m.Error != nil && m.State != configdump.StateError { // an ERROR row is counted as not shown
			nacked++
		}
	}
	var notes []string
	for _, st := range []string{configdump.StateWarming, configdump.StateDraining} {
		if c := counts[st]; c > 0 {
			notes = append(notes, fmt.Sprintf("%d %s not shown (%s); see -o wide", c, plural(c, kind+" is", kind+"s are"), strings.ToLower(st)))
		}
	}
	return append(notes, rejectionNotes(kind, counts[configdump.StateError], nacked)...)
}

// rejectionNotes says how many resources of kind the short table leaves out because Envoy
// rejected them on first arrival, and how many it shows that hold a rejected update (NACK).
func rejectionNotes(kind string, rejected, nacked int) []string {
	var notes []string
	if rejected > 0 {
		notes = append(notes, fmt.Sprintf("%d %s not shown (rejected, never active); see -o wide", rejected, plural(rejected, kind+" is", kind+"s are")))
	}
	if nacked > 0 {
		notes = append(notes, fmt.Sprintf("%d %s a rejected update (NACK); see -o wide", nacked, plural(nacked, kind+" has", kind+"s have")))
	}
	return notes
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
