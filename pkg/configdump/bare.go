package configdump

import (
	"errors"
	"fmt"

	"github.com/xdsctl/xdsctl/internal/jsonscan"
)

// bareSectionKeys name, for each section kind, fields only that section has: a document whose
// top level holds one of them is that section saved on its own (e.g. istioctl's bootstrap test
// input, or a section cut out of a dump with jq).
var bareSectionKeys = []struct {
	kind SectionKind
	keys []string
}{
	{SectionBootstrap, []string{"bootstrap"}},
	{SectionClusters, []string{"static_clusters", "dynamic_active_clusters", "dynamic_warming_clusters"}},
	{SectionListeners, []string{"static_listeners", "dynamic_listeners", "dynamic_active_listeners"}},
	{SectionRoutes, []string{"static_route_configs", "dynamic_route_configs"}},
	{SectionSecrets, []string{"static_secrets", "dynamic_active_secrets", "dynamic_warming_secrets"}},
	{SectionEndpoints, []string{"static_endpoint_configs", "dynamic_endpoint_configs"}},
	{SectionEcds, []string{"ecds_filters"}},
}

// ParseLenient is Parse that also accepts one config dump section saved on its own (with or
// without its "@type"), which Parse rejects as not a whole /config_dump. The Dump then holds that
// one section and Partial says what the input was.
func ParseLenient(data []byte) (*Dump, error) {
	d, err := Parse(data)
	var ie *InputError
	if err == nil || !errors.As(err, &ie) {
		return d, err
	}
	root, perr := jsonscan.Parse(data) // a section on its own is small: read it whole
	if perr != nil || root.Kind() != jsonscan.Object || root.Get("configs").Exists() {
		return nil, err
	}
	kind, typeURL := bareSectionKind(root)
	if kind == SectionUnknown {
		return nil, err
	}
	name := string(kind)
	if typeURL != "" {
		name = typeURL
	}
	return &Dump{
		sections: []Section{{Kind: kind, TypeURL: typeURL, Value: root, indexed: true}},
		Partial:  fmt.Sprintf("input is a single %s section, not a whole /config_dump; showing that section", name),
		Warnings: NewWarnings(),
	}, nil
}

func bareSectionKind(root jsonscan.Value) (SectionKind, string) {
	if t := root.Get("@type").Str(); t != "" {
		k, _ := envoySectionKind(t)
		return k, t
	}
	for _, s := range bareSectionKeys {
		for _, k := range s.keys {
			if root.Get(k).Exists() {
				return s.kind, ""
			}
		}
	}
	return SectionUnknown, ""
}
