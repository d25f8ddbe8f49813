package proxyconfig

import (
	"encoding/json"

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
	return d, nil
}

// normalizeAll turns the selected resources into JSON items with Envoy's proto field names, secrets
// redacted; raw gives a resource's JSON, or nothing to leave it out.
func normalizeAll[T any](w *configdump.Warnings, typeName string, items []T, raw func(*T) []byte, showSecrets bool) ([]json.RawMessage, error) {
	out := make([]json.RawMessage, 0, len(items))
	for i := range items {
		b := raw(&items[i])
		if len(b) == 0 {
			continue
		}
		n, err := configdump.Normalize(b, configdump.NormalizeOptions{ShowSecrets: showSecrets, Warnings: w, Type: typeName})
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, nil
}

// validPort checks a --port flag.
func validPort(port int) error {
	if port < 0 || port > 65535 {
		return cmdutil.FlagErrorf("--port %d is not a port number", port)
	}
	return nil
}
