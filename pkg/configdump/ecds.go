package configdump

import (
	"fmt"
	"sort"
	"strings"

	"github.com/xdsctl/xdsctl/internal/jsonscan"
)

// ExtensionConfig is one extension config an Envoy got over ECDS (a TypedExtensionConfig, e.g. a
// Wasm filter or Istio's telemetry filters).
type ExtensionConfig struct {
	Name string `json:"name"`
	// TypeURL is the type URL of its typed_config; Type is the same without "type.googleapis.com/",
	// as the ECDS table shows it. Both are empty when the config has no typed_config.
	TypeURL string `json:"typeUrl,omitempty"`
	Type    string `json:"type,omitempty"`
	Meta
	Raw jsonscan.Value `json:"-"`
}

// ECDS returns the extension configs of every ECDS section of the dump (Envoy writes one section
// per filter type), sorted as istioctl sorts them: by type URL, then name.
func (d *Dump) ECDS() ([]ExtensionConfig, error) {
	secs := d.SectionsOf(SectionEcds)
	if len(secs) == 0 {
		return nil, fmt.Errorf("%w: the dump has no extension configs (EcdsConfigDump)", ErrNoSection)
	}
	var out []ExtensionConfig
	for _, sec := range secs {
		err := eachDynamic(sec.Get("ecds_filters"), "ecds_filter", StateActive, func(it dynamicItem) {
			if !it.Res.Exists() {
				out = append(out, ExtensionConfig{Name: it.Name, Meta: it.Meta})
				return
			}
			ec := ExtensionConfig{Name: it.Res.Get("name").Str(), Meta: it.Meta, Raw: it.Res}
			ec.TypeURL = it.Res.Get("typed_config", "@type").Str()
			ec.Type = strings.TrimPrefix(ec.TypeURL, "type.googleapis.com/")
			out = append(out, ec)
		})
		if err != nil {
			return nil, fmt.Errorf("read extension configs: %w", err)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].TypeURL != out[j].TypeURL {
			return out[i].TypeURL < out[j].TypeURL
		}
		return out[i].Name < out[j].Name
	})
	return out, nil
}
