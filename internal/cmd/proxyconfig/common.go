package proxyconfig

import (
	"encoding/json"

	"github.com/xdsctl/xdsctl/pkg/configdump"
)

// parseDump parses a /config_dump body; a truncated one becomes a warning and partial results.
func parseDump(data []byte, w *configdump.Warnings) (*configdump.Dump, error) {
	d, err := configdump.Parse(data)
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
