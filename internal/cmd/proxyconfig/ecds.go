package proxyconfig

import (
	"github.com/spf13/cobra"

	"github.com/xdsctl/xdsctl/internal/admin"
	"github.com/xdsctl/xdsctl/internal/cmdutil"
	"github.com/xdsctl/xdsctl/pkg/configdump"
	"github.com/xdsctl/xdsctl/pkg/render"
)

// EcdsOptions are the options of `proxy-config ecds`.
type EcdsOptions struct {
	viewOptions
}

// NewCmdEcds returns `proxy-config ecds`.
func NewCmdEcds(f *cmdutil.Factory, runF func(*EcdsOptions) error) *cobra.Command {
	opts := &EcdsOptions{}
	cmd := &cobra.Command{
		Use:     "ecds {<pod>[.<namespace>] | -l <selector> | --admin <url> | --file <path>}",
		Aliases: []string{"ec"},
		Short:   "Show the extension configs an Envoy proxy got over ECDS",
		Long: `Show the extension configurations (ECDS) of an Envoy proxy, such as Wasm plugins and Istio's
telemetry filters: each one's name and type. Every ECDS section of the dump is read (Envoy writes
one per filter type). -o wide adds the version, the last update and rejected (NACKed) configs.`,
		Example: `# extension configs of a pod's sidecar
xdsctl proxy-config ecds productpage-v1-7bbd79f8fd-k6j79.default

# the Wasm plugins' configuration, from a saved dump
xdsctl pc ec -f dump.json --jq '.[] | select(.typed_config["@type"] | endswith("Wasm")) | .typed_config.config'`,
		Args: cobra.MaximumNArgs(1),
		RunE: viewRunE(f, opts, &opts.viewOptions, runF, opts.build),
	}
	addViewFlags(cmd, &opts.viewOptions, "short")
	return cmd
}

func (o *EcdsOptions) build(bodies map[string][]byte, w *configdump.Warnings) (*viewResult, error) {
	d, err := parseDump(bodies[admin.PathConfigDump], w)
	if err != nil {
		return nil, err
	}
	ecs, err := d.ECDS()
	if err != nil {
		return nil, err
	}
	res := &viewResult{}
	if !o.Output.IsTable() {
		res.Items = normalizeAll(w, "envoy.config.core.v3.TypedExtensionConfig", ecs, func(e *configdump.ExtensionConfig) []byte { return e.Raw.Raw() }, o.Output.ShowSecrets)
		return res, err
	}
	wide := o.Output.Format == "wide"
	res.Table = ecdsTable(ecs, wide)
	if !wide {
		res.Notes = hiddenNote("extension config", len(ecs), func(i int) configdump.Meta { return ecs[i].Meta })
	}
	return res, nil
}

// ecdsTable is istioctl's ECDS table; wide adds state, version and last update, and rejected configs.
func ecdsTable(ecs []configdump.ExtensionConfig, wide bool) *render.Table {
	t := &render.Table{Padding: 5, Headers: []string{"ECDS NAME", "TYPE"}}
	if wide {
		t.Headers = append(t.Headers, "STATE", "VERSION", "LAST UPDATED")
	}
	for i := range ecs {
		e := &ecs[i]
		if !wide {
			if e.State != configdump.StateError {
				t.Rows = append(t.Rows, []string{e.Name, e.Type})
			}
			continue
		}
		t.Rows = append(t.Rows, []string{render.Dash(e.Name), render.Dash(e.Type), stateCell(e.Meta), render.Dash(e.VersionInfo), render.Dash(e.LastUpdated)})
	}
	return t
}
