package proxyconfig

import (
	"github.com/xdsctl/xdsctl/internal/inputfile"
	"github.com/xdsctl/xdsctl/pkg/render"

	"github.com/xdsctl/xdsctl/internal/cmdutil"
	"github.com/xdsctl/xdsctl/pkg/configdump"
)

// parseDump parses a /config_dump body, or a static Envoy config read as one (configdump.ParseInput);
// a truncated one becomes a warning and partial results.
func parseDump(data []byte, w *configdump.Warnings) (*configdump.Dump, error) {
	d, err := configdump.ParseInput(data)
	if err != nil {
		return nil, err
	}
	if d.Partial != "" {
		w.Add("partial", d.Partial)
	}
	w.Merge(d.Warnings) // what the reader met (e.g. resources of a static file it left out)
	d.Warnings = w
	d.Passed = inputfile.Release // a view reads one or two sections of a big mapped dump
	return d, nil
}

// normalizeAll is the JSON/YAML of items: each one normalized (Envoy's field names, secrets
// redacted, unknown types kept with a warning) when it is written, so -o json streams.
func normalizeAll[T any](w *configdump.Warnings, typeName string, items []T, raw func(*T) []byte, showSecrets bool) render.Items {
	return render.Items{N: len(items), Item: func(i int) ([]byte, error) {
		b := raw(&items[i])
		if len(b) == 0 {
			return nil, nil
		}
		return configdump.Normalize(b, configdump.NormalizeOptions{ShowSecrets: showSecrets, Warnings: w, Type: typeName})
	}}
}

// validPort checks a --port flag.
func validPort(port int) error {
	if port < 0 || port > 65535 {
		return cmdutil.FlagErrorf("--port %d is not a port number", port)
	}
	return nil
}
