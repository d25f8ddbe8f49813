package proxyconfig

import (
	"encoding/json"

	"github.com/xdsctl/xdsctl/internal/cmdutil"
	"github.com/xdsctl/xdsctl/pkg/configdump"
)

// parseDump parses a /config_dump body; a truncated one becomes a warning and partial results.
func parseDump(data []byte, w *configdump.Warnings) (*configdump.Dump, error) {
	d, err := configdump.ParseLenient(data)
	if err != nil {
		return nil, err
	}
	if d.Partial != "" {
		w.Add("partial", d.Partial)
	}
	d.Warnings = w
	return d, nil
}

// itemsOf turns the selected resources into JSON items with Envoy's proto field names, secrets redacted.
// typeName is the message of the resources (used when a dump's resources carry no @type).
func itemsOf(d *configdump.Dump, w *configdump.Warnings, typeName string, n int, get func(int) (configdump.Meta, []byte), showSecrets bool) ([]json.RawMessage, error) {
	items := make([]json.RawMessage, 0, n)
	for i := 0; i < n; i++ {
		_, raw := get(i)
		if len(raw) == 0 {
			continue
		}
		out, err := configdump.Normalize(raw, configdump.NormalizeOptions{ShowSecrets: showSecrets, Warnings: w, Type: typeName})
		if err != nil {
			return nil, err
		}
		items = append(items, out)
	}
	return items, nil
}

// normalizeAll turns raw resources into JSON items with Envoy's proto field names, secrets redacted.
func normalizeAll(w *configdump.Warnings, typeName string, raws [][]byte, showSecrets bool) ([]json.RawMessage, error) {
	items := make([]json.RawMessage, 0, len(raws))
	for _, raw := range raws {
		if len(raw) == 0 {
			continue
		}
		out, err := configdump.Normalize(raw, configdump.NormalizeOptions{ShowSecrets: showSecrets, Warnings: w, Type: typeName})
		if err != nil {
			return nil, err
		}
		items = append(items, out)
	}
	return items, nil
}

// validPort checks a --port flag.
func validPort(port int) error {
	if port < 0 || port > 65535 {
		return cmdutil.FlagErrorf("--port %d is not a port number", port)
	}
	return nil
}
