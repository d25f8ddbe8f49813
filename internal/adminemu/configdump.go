package adminemu

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// field is one member of a JSON object, in document order.
type field struct {
	Key   string
	Value json.RawMessage
}

func objectFields(raw []byte) ([]field, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, fmt.Errorf("not a JSON object")
	}
	var out []field
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, err
		}
		out = append(out, field{Key: tok.(string), Value: v})
	}
	return out, nil
}

func writeObject(b *bytes.Buffer, fs []field) {
	b.WriteByte('{')
	for i, f := range fs {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(f.Key)
		b.Write(k)
		b.WriteByte(':')
		b.Write(f.Value)
	}
	b.WriteByte('}')
}

// configSections returns the dump's configs (a list; a 2018-style map is served as is).
func configSections(dump []byte) ([]json.RawMessage, bool) {
	var top struct {
		Configs json.RawMessage `json:"configs"`
	}
	if json.Unmarshal(dump, &top) != nil {
		return nil, false
	}
	var list []json.RawMessage
	if json.Unmarshal(top.Configs, &list) != nil {
		return nil, false
	}
	return list, true
}

func typeOf(raw json.RawMessage) string {
	var v struct {
		Type string `json:"@type"`
	}
	_ = json.Unmarshal(raw, &v)
	return v.Type
}

// resourceTypes are the element messages of the config dump fields ?resource= selects.
var resourceTypes = map[string]string{
	"static_listeners": "ListenersConfigDump.StaticListener", "dynamic_listeners": "ListenersConfigDump.DynamicListener",
	"static_clusters": "ClustersConfigDump.StaticCluster", "dynamic_active_clusters": "ClustersConfigDump.DynamicCluster",
	"dynamic_warming_clusters": "ClustersConfigDump.DynamicCluster",
	"static_route_configs":     "RoutesConfigDump.StaticRouteConfig", "dynamic_route_configs": "RoutesConfigDump.DynamicRouteConfig",
	"static_secrets": "SecretsConfigDump.StaticSecret", "dynamic_active_secrets": "SecretsConfigDump.DynamicSecret",
	"dynamic_warming_secrets":  "SecretsConfigDump.DynamicSecret",
	"static_endpoint_configs":  "EndpointsConfigDump.StaticEndpointConfig",
	"dynamic_endpoint_configs": "EndpointsConfigDump.DynamicEndpointConfig",
	"ecds_filters":             "EcdsConfigDump.EcdsFilterConfig",
}

// ConfigDump answers /config_dump as Envoy does from a whole dump (every section, EDS included):
// EndpointsConfigDump only with ?include_eds (the dump byte for byte when nothing is left out);
// ?resource=<field> lists each element of that field with its @type; ?mask=<f1>,<f2> keeps those
// top-level fields of each section (@type kept). ?name_regex is not emulated: 400.
func ConfigDump(dump []byte, q url.Values) (int, []byte) {
	if q.Has("name_regex") {
		return http.StatusBadRequest, []byte(`{"error":"name_regex is not emulated"}`)
	}
	_, eds := q["include_eds"]
	resource, mask := q.Get("resource"), q.Get("mask")
	sections, ok := configSections(dump)
	if !ok {
		return http.StatusOK, dump // not a list: serve it as it is
	}
	var keep []json.RawMessage
	for _, s := range sections {
		if !eds && strings.HasSuffix(typeOf(s), ".EndpointsConfigDump") {
			continue
		}
		keep = append(keep, s)
	}
	if resource == "" && mask == "" && len(keep) == len(sections) {
		return http.StatusOK, dump
	}
	if resource != "" {
		elem, known := resourceTypes[resource]
		var out []json.RawMessage
		for _, s := range keep {
			fs, err := objectFields(s)
			if err != nil {
				continue
			}
			for _, f := range fs {
				if f.Key != resource {
					continue
				}
				var items []json.RawMessage
				_ = json.Unmarshal(f.Value, &items)
				for _, it := range items {
					ifs, err := objectFields(it)
					if err != nil {
						continue
					}
					t := "type.googleapis.com/envoy.admin.v3." + elem
					var b bytes.Buffer
					writeObject(&b, append([]field{{Key: "@type", Value: json.RawMessage(strconv.Quote(t))}}, ifs...))
					out = append(out, b.Bytes())
				}
			}
		}
		if !known && len(out) == 0 {
			return http.StatusNotFound, []byte(fmt.Sprintf("{\"error\":\"the resource %s is not a field of any config dump\"}", resource))
		}
		keep = out
	}
	if mask != "" {
		paths := strings.Split(mask, ",")
		for i, s := range keep {
			fs, err := objectFields(s)
			if err != nil {
				continue
			}
			var sel []field
			for _, f := range fs {
				if f.Key == "@type" || contains(paths, f.Key) {
					sel = append(sel, f)
				}
			}
			var b bytes.Buffer
			writeObject(&b, sel)
			keep[i] = b.Bytes()
		}
	}
	var b bytes.Buffer
	b.WriteString(`{"configs":[`)
	for i, s := range keep {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(s)
	}
	b.WriteString("]}\n")
	return http.StatusOK, b.Bytes()
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// ServerInfo is /server_info for a saved dump: LIVE, with the node of the dump's bootstrap.
func ServerInfo(dump []byte) []byte {
	node := json.RawMessage(`{}`)
	sections, _ := configSections(dump)
	for _, s := range sections {
		if !strings.HasSuffix(typeOf(s), ".BootstrapConfigDump") {
			continue
		}
		var bs struct {
			Bootstrap struct {
				Node json.RawMessage `json:"node"`
			} `json:"bootstrap"`
		}
		if json.Unmarshal(s, &bs) == nil && len(bs.Bootstrap.Node) > 0 {
			node = bs.Bootstrap.Node
		}
	}
	return []byte(fmt.Sprintf(`{"version":"0000000000000000000000000000000000000000/1.36.0/Clean/RELEASE/BoringSSL","state":"LIVE","hot_restart_version":"disabled","command_line_options":{"log_level":"info","mode":"Serve"},"node":%s,"uptime_current_epoch":"60s","uptime_all_epochs":"60s"}`, node))
}
