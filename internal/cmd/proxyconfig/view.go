package proxyconfig

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/itchyny/gojq"
	"github.com/spf13/cobra"

	"github.com/xdsctl/xdsctl/internal/admin"
	"github.com/xdsctl/xdsctl/internal/cmdutil"
	"github.com/xdsctl/xdsctl/pkg/configdump"
	"github.com/xdsctl/xdsctl/pkg/render"
)

// viewResult is what a view made of one proxy's admin output.
type viewResult struct {
	Table *render.Table // short and wide
	Text  []byte        // a view printed as text rather than a table (bootstrap -o short, all)
	Items render.Items  // json and yaml: one JSON value per resource, made when written
	// Object is the JSON of a view that prints one document rather than a list (bootstrap, all).
	Object json.RawMessage
	Notes  []string // said on stderr, e.g. resources the short table leaves out
	// Quiet means the view printed nothing to stdout on purpose (all --save).
	Quiet bool
}

// viewFunc builds a view from the bodies fetched for one proxy.
type viewFunc func(bodies map[string][]byte, w *configdump.Warnings) (*viewResult, error)

// viewOptions are the options every view shares.
type viewOptions struct {
	Source cmdutil.SourceOptions
	Output cmdutil.OutputOptions
	// Demo reads the example proxy built into xdsctl instead of a live proxy or a file.
	Demo bool
}

// addViewFlags binds the source flags (-f, -l, --admin, ...), --demo and the output flags.
func addViewFlags(cmd *cobra.Command, o *viewOptions, defaultFormat string) {
	cmdutil.AddSourceFlags(cmd, &o.Source)
	cmd.Flags().BoolVar(&o.Demo, "demo", false, "Read the example proxy built into xdsctl (a bookinfo sidecar assembled from real Envoy dumps) instead of a live proxy or a file")
	cmdutil.AddOutputFlags(cmd, &o.Output, defaultFormat)
}

// viewRunE is the RunE of a view that reads /config_dump and has only the common flags: check them,
// then hand opts to runF (tests) or build the view.
func viewRunE[O any](f *cmdutil.Factory, opts *O, vo *viewOptions, runF func(*O) error, build viewFunc) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		if err := vo.validate(args); err != nil {
			return err
		}
		if runF != nil {
			return runF(opts)
		}
		return runView(cmd.Context(), f, vo, []string{admin.PathConfigDump}, build)
	}
}

func (o *viewOptions) validate(args []string) error {
	if o.Demo {
		if len(args) > 0 || o.Source.File != "" || o.Source.Selector != "" || o.Source.AdminURL != "" {
			return cmdutil.FlagErrorf("--demo reads the built-in example; drop the <pod>, -l, --admin or --file")
		}
	} else if err := o.Source.Validate(args); err != nil {
		return err
	}
	return o.Output.Validate()
}

// runView loads the inputs, builds the view for each and prints it. With several proxies each
// gets a header line; proxies that failed are listed at the end and make the command fail.
func runView(ctx context.Context, f *cmdutil.Factory, o *viewOptions, paths []string, build viewFunc) error {
	code := o.Output.JQCode() // compiled by validate
	var inputs []input
	var err error
	if o.Demo {
		inputs = demoInputs(paths)
	} else if inputs, err = loadInputs(ctx, f, &o.Source, paths...); err != nil {
		return err
	}
	ios := f.IOStreams
	multi := len(inputs) > 1
	var failed, hints []string
	fail := func(name string, err error) {
		failed = append(failed, fmt.Sprintf("%s: %v", name, err))
		if h := cmdutil.HintOf(err); h != "" && !slices.Contains(hints, h) {
			hints = append(hints, h)
		}
	}
	var jsonGroups []json.RawMessage
	for i, in := range inputs {
		if in.Err != nil {
			fail(in.Name, in.Err)
			continue
		}
		warn := configdump.NewWarnings()
		res, err := build(in.Bodies, warn)
		if err == nil && res.Table != nil && res.Table.EscapeInvalidUTF8() {
			warn.Add("utf8", `a name holds bytes that are not UTF-8; the table shows them as \xNN`)
		}
		warned := map[string]bool{}
		printWarnings := func() { // each once: more come while -o json streams (unknown types met)
			for _, w := range warn.List() {
				if warned[w] {
					continue
				}
				warned[w] = true
				p := prefix(multi, in.Name)
				if p == "" && strings.HasPrefix(w, "input ") {
					p = in.Name + ": " // about the input as a whole (truncated, …): name it, as errors do
				}
				fmt.Fprintf(ios.ErrOut, "Warning: %s%s\n", p, w)
			}
		}
		printWarnings()
		if err != nil {
			if !multi {
				return describeInputError(o, in.Name, err)
			}
			fail(in.Name, err)
			continue
		}
		res.Notes = append(warn.Notes(), res.Notes...)
		if res.Table != nil && len(res.Table.Rows) == 0 && len(res.Notes) == 0 {
			res.Notes = []string{"no rows: the dump has none of these resources, or none match the filters"}
		}
		for _, n := range res.Notes {
			fmt.Fprintf(ios.ErrOut, "Note: %s%s\n", prefix(multi, in.Name), n)
		}
		if res.Quiet {
			continue
		}
		switch {
		case o.Output.IsTable():
			if multi {
				if i > 0 {
					fmt.Fprintln(ios.Out)
				}
				fmt.Fprintf(ios.Out, "%s:\n", in.Name)
			}
			if err := writeTableOrText(ios.Out, res, o.Output.NoHeaders, ios.MaxCell()); err != nil {
				return err
			}
		case !multi && res.Object == nil && code == nil && o.Output.Format != "yaml":
			// -o json of one proxy streams: one resource in memory at a time
			items, invalidUTF8 := res.Items, false
			items.Item = func(i int) ([]byte, error) {
				b, err := res.Items.Item(i)
				if err == nil && !utf8.Valid(b) { // JSON is UTF-8; a name in a dump is any bytes
					b, invalidUTF8 = bytes.ToValidUTF8(b, []byte("\uFFFD")), true
				}
				return b, err
			}
			if err := render.WriteJSONArray(ios.Out, items); err != nil {
				return err
			}
			printWarnings()
			if invalidUTF8 {
				fmt.Fprintf(ios.ErrOut, "Warning: %sa name holds bytes that are not UTF-8; the output shows them as U+FFFD\n", prefix(multi, in.Name))
			}
		default:
			key, doc := "items", []byte(res.Object)
			if res.Object == nil {
				var items []json.RawMessage
				if items, err = res.Items.Collect(); err == nil {
					doc, err = render.JSONArray(items)
				}
				printWarnings()
			} else {
				key = "config"
				doc, err = render.Indent(res.Object)
			}
			if err != nil {
				return err
			}
			if !utf8.Valid(doc) { // JSON and YAML are UTF-8; a name in a dump is any bytes
				doc = bytes.ToValidUTF8(doc, []byte("\uFFFD"))
				fmt.Fprintf(ios.ErrOut, "Warning: %sa name holds bytes that are not UTF-8; the output shows them as U+FFFD\n", prefix(multi, in.Name))
			}
			if !multi {
				if err := writeStructured(ios.Out, &o.Output, code, doc); err != nil {
					return err
				}
				continue
			}
			name, _ := json.Marshal(in.Name)
			jsonGroups = append(jsonGroups, json.RawMessage(fmt.Sprintf(`{"proxy":%s,%q:%s}`, name, key, doc)))
		}
	}
	if multi && !o.Output.IsTable() {
		arr, err := render.JSONArray(jsonGroups)
		if err != nil {
			return err
		}
		if err := writeStructured(ios.Out, &o.Output, code, arr); err != nil {
			return err
		}
	}
	return cmdutil.ProxiesFailed(ios.ErrOut, failed, len(inputs), hints)
}

func prefix(multi bool, name string) string {
	if multi {
		return name + ": "
	}
	return ""
}

func writeTableOrText(w io.Writer, res *viewResult, noHeaders bool, maxCell int) error {
	if res.Text != nil {
		_, err := w.Write(res.Text)
		return err
	}
	if res.Table == nil {
		return nil
	}
	res.Table.NoHeaders = noHeaders
	res.Table.MaxCell = maxCell
	return res.Table.Write(w)
}

func writeStructured(w io.Writer, o *cmdutil.OutputOptions, code *gojq.Code, data []byte) error {
	switch {
	case code != nil:
		return render.WriteJQ(w, code, data)
	case o.Format == "yaml":
		return render.WriteYAML(w, data)
	default:
		_, err := w.Write(data)
		return err
	}
}

// describeInputError names the input in an error about its content.
func describeInputError(o *viewOptions, name string, err error) error {
	var ie *configdump.InputError
	if errors.As(err, &ie) || errors.Is(err, configdump.ErrNoSection) {
		hint := ""
		if errors.Is(err, configdump.ErrNoSection) && o.Source.File != "" && !errors.Is(err, configdump.ErrNoEDS) && !errors.Is(err, configdump.ErrStaticFile) {
			hint = "the dump may have been saved with a mask; save a full one with: xdsctl proxy-config all <pod> --save dump.json"
		}
		if errors.As(err, &ie) && o.Source.File == "" && !errors.Is(err, configdump.ErrNoSection) {
			// a live answer that is not admin output: something else answered
			hint = "is that Envoy's admin API? A proxy, gateway or login page in front of it may have answered; check the address and port"
		}
		return cmdutil.WithHint(fmt.Errorf("%s: %w", strings.TrimPrefix(name, ""), err), hint)
	}
	return fmt.Errorf("%s: %w", name, err)
}
