package decode

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/xdsctl/xdsctl/pkg/status"
)

// JSON forms of the CSDS and discovery messages, as protojson writes them (camelCase) or with the
// proto field names (snake_case): keys are matched ignoring case and underscores. Enums may be names
// or numbers, timestamps RFC 3339 strings. A resource payload (xds_config, an Any) is kept as raw JSON.

type jobj = map[string]any

// jget returns the value of the key that spells want (lower case, no underscores) in any of the JSON
// mapping's spellings.
func jget(m jobj, want string) any {
	if v, ok := m[want]; ok {
		return v
	}
	for k, v := range m {
		if normKey(k) == want {
			return v
		}
	}
	return nil
}

func normKey(k string) string {
	return strings.ToLower(strings.ReplaceAll(k, "_", ""))
}

func jobject(v any) jobj {
	m, _ := v.(jobj)
	return m
}

func jarray(v any) []any {
	a, _ := v.([]any)
	return a
}

func jstring(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case json.Number:
		return t.String()
	case bool:
		if t {
			return "true"
		}
		return "false"
	}
	return ""
}

// jenum reads an enum given by name or by number.
func jenum(v any, names []string) int {
	switch t := v.(type) {
	case json.Number:
		if n, err := t.Int64(); err == nil {
			return int(n)
		}
	case string:
		for i, n := range names {
			if strings.EqualFold(n, t) {
				return i
			}
		}
	}
	return 0
}

func jtime(v any) time.Time {
	s, ok := v.(string)
	if !ok || s == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil || t.Unix() == 0 && t.Nanosecond() == 0 {
		return time.Time{}
	}
	return t.UTC()
}

func decodeJSON(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, fmt.Errorf("more than one JSON value")
	}
	return v, nil
}

// DecodeClientStatusJSON decodes a CSDS ClientStatusResponse in protojson form (camelCase or snake_case),
// as grpcurl prints it.
func DecodeClientStatusJSON(b []byte, controlPlane string) (*status.Report, error) {
	v, err := decodeJSON(b)
	if err != nil {
		return nil, fmt.Errorf("decode CSDS response: %w", err)
	}
	root := jobject(v)
	if root == nil {
		return nil, fmt.Errorf("decode CSDS response: JSON %s is not an object", jsonKind(v))
	}
	configs := jarray(jget(root, "config"))
	if len(configs) > MaxEntries {
		return nil, fmt.Errorf("decode CSDS response: %w", &TooManyError{What: "client configs"})
	}
	r := &status.Report{}
	for i, c := range configs {
		cc := clientConfigJSON(jobject(c))
		add(r, cc, i, controlPlane)
	}
	r.Finish()
	return r, nil
}

// DecodeSynczJSON decodes istiod's `istio.io/debug/syncz` DiscoveryResponse in protojson form (as istioctl
// proxy-status -o json prints it, or as recorded). fallbackControlPlane names the replica when the response
// has no control_plane identifier.
func DecodeSynczJSON(b []byte, fallbackControlPlane string) (*status.Report, error) {
	v, err := decodeJSON(b)
	if err != nil {
		return nil, fmt.Errorf("decode syncz response: %w", err)
	}
	root := jobject(v)
	if root == nil {
		return nil, fmt.Errorf("decode syncz response: JSON %s is not an object", jsonKind(v))
	}
	cp := ParseControlPlaneIdentifier(jstring(jget(jobject(jget(root, "controlplane")), "identifier")))
	if cp.ID == "" {
		cp.ID = fallbackControlPlane
	}
	resources := jarray(jget(root, "resources"))
	if len(resources) > MaxEntries {
		return nil, fmt.Errorf("decode syncz response: %w", &TooManyError{What: "resources"})
	}
	r := &status.Report{}
	for i, res := range resources {
		m := jobject(res)
		if t := jstring(m["@type"]); t != clientConfigURL {
			r.Warnf("syncz resource %d: skipped unexpected type %q", i, t)
			continue
		}
		addSyncz(r, clientConfigJSON(m), cp)
	}
	r.Finish()
	return r, nil
}

func jsonKind(v any) string {
	switch v.(type) {
	case []any:
		return "array"
	case string:
		return "string"
	case json.Number:
		return "number"
	case bool:
		return "boolean"
	case nil:
		return "null"
	}
	return "object"
}

func clientConfigJSON(m jobj) *clientConfig {
	cc := &clientConfig{}
	if n := jobject(jget(m, "node")); n != nil {
		cc.node = nodeJSON(n)
	}
	for _, g := range jarray(jget(m, "genericxdsconfigs")) {
		cc.generic = append(cc.generic, genericJSON(jobject(g)))
	}
	for _, x := range jarray(jget(m, "xdsconfig")) {
		if px, ok := perXdsJSON(jobject(x)); ok {
			cc.perXds = append(cc.perXds, px)
		}
	}
	return cc
}

func nodeJSON(m jobj) node {
	nd := node{id: jstring(jget(m, "id")), cluster: jstring(jget(m, "cluster")), hasAnyIdentifier: true}
	for k, v := range jobject(jget(m, "metadata")) {
		if !metadataKey(k) {
			continue
		}
		var sub map[string]string
		if o := jobject(v); o != nil {
			sub = map[string]string{}
			for lk, lv := range o {
				if s := jstring(lv); s != "" {
					sub[lk] = s
				}
			}
		}
		nd.setMetadata(k, jstring(v), sub)
	}
	ua := jstring(jget(m, "useragentversion"))
	if ua == "" {
		if sem := jobject(jget(jobject(jget(m, "useragentbuildversion")), "version")); sem != nil {
			ua = fmt.Sprintf("%s.%s.%s", num0(jget(sem, "majornumber")), num0(jget(sem, "minornumber")), num0(jget(sem, "patch")))
		}
	}
	nd.userAgent = strings.TrimSpace(jstring(jget(m, "useragentname")) + " " + ua)
	return nd
}

func num0(v any) string {
	if s := jstring(v); s != "" {
		return s
	}
	return "0"
}

func genericJSON(m jobj) genericConfig {
	g := genericConfig{
		typeURL:      jstring(jget(m, "typeurl")),
		name:         jstring(jget(m, "name")),
		version:      jstring(jget(m, "versioninfo")),
		lastUpdated:  jtime(jget(m, "lastupdated")),
		configStatus: jenum(jget(m, "configstatus"), configStatusNames),
		clientStatus: jenum(jget(m, "clientstatus"), clientResourceStatusNames),
	}
	if x := jobject(jget(m, "xdsconfig")); x != nil {
		g.hasConfig = true
		g.configJSON, _ = json.Marshal(x)
	}
	if e := jobject(jget(m, "errorstate")); e != nil {
		g.failure = failureJSON(e)
	}
	return g
}

func failureJSON(e jobj) *failure {
	return &failure{details: jstring(jget(e, "details")), version: jstring(jget(e, "versioninfo")), at: jtime(jget(e, "lastupdateattempt"))}
}

// legacyJSON names, per PerXdsConfig oneof (normalised), the type and the dynamic lists of its dump.
var legacyJSON = map[string]struct {
	short   string
	dynamic []string
}{
	"listenerconfig":    {"LDS", []string{"dynamiclisteners"}},
	"clusterconfig":     {"CDS", []string{"dynamicactiveclusters", "dynamicwarmingclusters"}},
	"routeconfig":       {"RDS", []string{"dynamicrouteconfigs"}},
	"scopedrouteconfig": {"SRDS", []string{"dynamicscopedrouteconfigs"}},
	"endpointconfig":    {"EDS", []string{"dynamicendpointconfigs"}},
}

func perXdsJSON(m jobj) (perXdsConfig, bool) {
	px := perXdsConfig{
		status:       jenum(jget(m, "status"), configStatusNames),
		clientStatus: jenum(jget(m, "clientstatus"), clientConfigStatusNames),
	}
	ok := false
	for k, v := range m {
		ld, known := legacyJSON[normKey(k)]
		if !known {
			continue
		}
		ok = true
		px.short = ld.short
		dump := jobject(v)
		px.version = jstring(jget(dump, "versioninfo"))
		for _, list := range ld.dynamic {
			for _, e := range jarray(jget(dump, list)) {
				em := jobject(e)
				px.facts.addTime(jtime(jget(em, "lastupdated")))
				for _, st := range []string{"activestate", "warmingstate", "drainingstate"} {
					px.facts.addTime(jtime(jget(jobject(jget(em, st)), "lastupdated")))
				}
				if es := jobject(jget(em, "errorstate")); es != nil {
					px.facts.addFailure(failureJSON(es))
				}
			}
		}
	}
	return px, ok
}
