package proxyconfig

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/xdsctl/xdsctl/internal/admin"
	"github.com/xdsctl/xdsctl/internal/cmdutil"
	"github.com/xdsctl/xdsctl/pkg/configdump"
	"github.com/xdsctl/xdsctl/pkg/render"
)

// AllOptions are the options of `proxy-config all`.
type AllOptions struct {
	viewOptions
	Clusters    configdump.ClusterFilter
	Listeners   configdump.ListenerFilter
	Routes      configdump.RouteFilter
	Verbose     bool
	WithHeaders bool
	// Save is a file to write the raw admin output to, instead of printing the views.
	Save string
	Now  func() time.Time
}

// NewCmdAll returns `proxy-config all`.
func NewCmdAll(f *cmdutil.Factory, runF func(*AllOptions) error) *cobra.Command {
	opts := &AllOptions{Now: f.Now}
	var port int
	cmd := &cobra.Command{
		Use:     "all {<pod>[.<namespace>] | -l <selector> | --admin <url> | --file <path>}",
		Aliases: []string{"a"},
		Short:   "Show every view of an Envoy proxy's configuration",
		Long: `Show every view of an Envoy proxy's configuration, as istioctl does: the versions, then the
clusters, listeners, routes, secrets and EDS endpoints tables, each row named by its kind
(cluster/..., listener/...), then the ECDS table when the proxy has extension configs. It reads
/config_dump?include_eds. Sections the dump lacks are left out with a note. -o json|yaml prints the whole dump, normalised to Envoy's proto field names with
private keys redacted.

--save FILE writes the proxy's raw /config_dump?include_eds answer (or the file given with -f) to
FILE instead of printing, to read it later with -f or attach it to a bug report. An answer that is
not a config dump (a login page, an error page) is not saved: the command fails.`,
		Example: `# everything about a pod's sidecar, with section banners
xdsctl proxy-config all productpage-v1-7bbd79f8fd-k6j79.default --with-headers

# save a pod's full config dump (with EDS) to read offline
xdsctl pc all productpage-v1-7bbd79f8fd-k6j79.default --save dump.json
xdsctl pc all -f dump.json

# try it with the example proxy built into xdsctl
xdsctl pc all --demo`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := opts.validate(args); err != nil {
				return err
			}
			if err := validPort(port); err != nil {
				return err
			}
			opts.Clusters.Port = port
			opts.Listeners.Port = uint32(port)
			if opts.Save != "" {
				if opts.Demo {
					return cmdutil.FlagErrorf("--save writes a proxy's admin output; give a <pod>, --admin or --file, not --demo")
				}
				if opts.Source.Selector != "" || len(opts.Source.Targets) > 1 {
					return cmdutil.FlagErrorf("--save writes one proxy's config dump; give one <pod> instead of -l")
				}
			}
			if runF != nil {
				return runF(opts)
			}
			return runView(cmd.Context(), f, &opts.viewOptions, []string{admin.PathConfigDumpWithEDS}, opts.build)
		},
	}
	addViewFlags(cmd, &opts.viewOptions, "short")
	fl := cmd.Flags()
	fl.StringVar(&opts.Clusters.FQDN, "fqdn", "", "Show only clusters whose name contains this `fqdn`")
	fl.StringVar(&opts.Clusters.Direction, "direction", "", "Show only clusters of this `direction` (inbound, outbound, inbound-vip)")
	fl.StringVar(&opts.Clusters.Subset, "subset", "", "Show only clusters whose name contains this `subset`")
	fl.IntVar(&port, "port", 0, "Show only clusters, listeners and endpoints of this `port`")
	fl.StringVar(&opts.Listeners.Address, "address", "", "Show only listeners and endpoints with this `address`")
	fl.StringVar(&opts.Listeners.Type, "type", "", "Show only listeners of this `type` (HTTP, TCP, HTTP+TCP, UNKNOWN)")
	fl.StringVar(&opts.Routes.Name, "name", "", "Show only the route configuration with this `name`")
	fl.BoolVar(&opts.Verbose, "verbose", true, "One row per filter chain and per route; --verbose=false gives one row per listener and per route configuration")
	fl.BoolVar(&opts.WithHeaders, "with-headers", false, "Put a banner before each section")
	fl.StringVar(&opts.Save, "save", "", "Write the raw admin output to `file` instead of printing the views")
	return cmd
}

func (o *AllOptions) build(bodies map[string][]byte, w *configdump.Warnings) (*viewResult, error) {
	body := bodies[admin.PathConfigDumpWithEDS]
	if o.Save != "" {
		// what is not a config dump is refused before the file is written: a login page or a
		// proxy's error page saved as dump.json would fail only later, offline
		if f, err := configdump.Detect(body); err != nil || f != configdump.FormatConfigDump {
			if err == nil {
				err = fmt.Errorf("it is Envoy's /%s output", f)
			}
			return nil, fmt.Errorf("not saved to %q: the %d bytes are not a config dump: %w", o.Save, len(body), err)
		}
		if err := os.WriteFile(o.Save, body, 0o644); err != nil {
			return nil, fmt.Errorf("save to %q: %w", o.Save, errors.Unwrap(err))
		}
		return &viewResult{Quiet: true, Notes: []string{fmt.Sprintf("saved %d bytes to %s", len(body), o.Save)}}, nil
	}
	d, err := parseDump(body, w)
	if err != nil {
		return nil, err
	}
	res := &viewResult{}
	if !o.Output.IsTable() {
		res.Object, err = normalizedDump(d, w, o.Output.ShowSecrets)
		return res, err
	}
	text, notes, err := o.allText(d, w)
	res.Text, res.Notes = text, notes
	return res, err
}

// normalizedDump is the dump's sections (those complete, for a cut-short input) with Envoy's
// proto field names and secrets redacted.
func normalizedDump(d *configdump.Dump, w *configdump.Warnings, showSecrets bool) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(`{"configs":[`)
	for i, s := range d.AllSections() {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(s.Value.Raw())
	}
	b.WriteString("]}")
	return configdump.Normalize(b.Bytes(), configdump.NormalizeOptions{ShowSecrets: showSecrets, Warnings: w})
}

// allSection is one part of the all view.
type allSection struct {
	banner string
	kind   string // for the note about a missing section
	render func() ([]byte, []string, error)
}

// allText is istioctl's `pc all`: each view with its rows named by kind, separated by blank
// lines, with --with-headers banners. A section the dump lacks is left out with a note (istioctl
// fails instead), except EDS, which istioctl prints as an empty table.
func (o *AllOptions) allText(d *configdump.Dump, w *configdump.Warnings) ([]byte, []string, error) {
	wide := o.Output.Format == "wide"
	table := func(t *render.Table) ([]byte, error) {
		var b bytes.Buffer
		t.NoHeaders = o.Output.NoHeaders
		if t.EscapeInvalidUTF8() {
			w.Add("utf8", `a name holds bytes that are not UTF-8; the table shows them as \xNN`)
		}
		err := t.Write(&b)
		return b.Bytes(), err
	}
	// section writes a kind's table; its notes go with it
	section := func(t *render.Table, notes []string, err error) ([]byte, []string, error) {
		if err != nil {
			return nil, nil, err
		}
		out, err := table(t)
		return out, notes, err
	}
	sections := []allSection{
		{"BOOTSTRAP", "bootstrap", func() ([]byte, []string, error) {
			b, err := d.Bootstrap()
			if err != nil {
				return nil, nil, err
			}
			return bootstrapText(b, wide), nil, nil
		}},
		{"CLUSTER", "clusters", func() ([]byte, []string, error) {
			return section(clustersKind(o.Clusters).section(d, wide, "cluster/"))
		}},
		{"LISTENER", "listeners", func() ([]byte, []string, error) {
			return section(listenersKind(o.Listeners, o.Verbose).section(d, wide, "listener/"))
		}},
		{"ROUTE", "routes", func() ([]byte, []string, error) {
			return section(routesKind(o.Routes, o.Verbose).section(d, wide, "route/"))
		}},
		{"SECRET", "secrets", func() ([]byte, []string, error) {
			secrets, trustDomains, err := d.Secrets()
			if err != nil {
				return nil, nil, err
			}
			if (!wide && !hasShortSecret(secrets)) || len(secrets) == 0 {
				return []byte(noSecrets), secretNotes(secrets, o.Now()), nil
			}
			var notes []string
			if !wide {
				notes = secretNotes(secrets, o.Now())
			}
			out, err := table(secretTable(secrets, trustDomains, wide, o.Now(), "secret/"))
			return out, notes, err
		}},
		{"ENDPOINTS", "EDS endpoints", func() ([]byte, []string, error) {
			f := configdump.EndpointFilter{Address: o.Listeners.Address, Port: o.Listeners.Port}
			las, err := d.EDS()
			var notes []string
			switch {
			case errors.Is(err, configdump.ErrNoEDS):
				notes = []string{"the dump has no EDS section, so the endpoints table is empty; save one with /config_dump?include_eds"}
			case err != nil:
				return nil, nil, err
			case !wide:
				notes = edsNotes(d, las, f)
			}
			out, err := table(edsTable(las, f, wide, "endpoint/"))
			return out, notes, err
		}},
		{"ECDS", "", func() ([]byte, []string, error) {
			// istioctl's all leaves ECDS out; xdsctl shows it when the dump has it.
			ecs, err := d.ECDS()
			if err != nil {
				return nil, nil, err
			}
			var notes []string
			if !wide {
				notes = hiddenNote("extension config", len(ecs), func(i int) configdump.Meta { return ecs[i].Meta })
			}
			out, err := table(ecdsTable(ecs, wide))
			return out, notes, err
		}},
	}
	var b bytes.Buffer
	var notes, missing []string
	n := 0
	for _, s := range sections {
		out, sn, err := s.render()
		if errors.Is(err, configdump.ErrNoSection) {
			if s.kind != "" {
				missing = append(missing, s.kind)
			}
			continue
		}
		if err != nil {
			return nil, nil, err
		}
		if n > 0 {
			b.WriteByte('\n')
		}
		n++
		if o.WithHeaders {
			fmt.Fprintf(&b, "------ %s INFO ------\n\n", s.banner)
		}
		b.Write(out)
		for _, note := range sn {
			if s.kind != "" {
				note = s.kind + ": " + note
			}
			notes = append(notes, note)
		}
	}
	if len(missing) > 0 {
		notes = append([]string{fmt.Sprintf("the dump has no %s section; %s left out", joinOr(missing), plural(len(missing), "it is", "they are"))}, notes...)
	}
	return b.Bytes(), notes, nil
}

// joinOr joins words as a sentence does: "a", "a or b", "a, b or c".
func joinOr(words []string) string {
	if len(words) < 2 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " or " + words[len(words)-1]
}
