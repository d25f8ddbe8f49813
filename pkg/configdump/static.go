package configdump

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/xdsctl/xdsctl/internal/jsonscan"
)

// ParseInput reads anything proxy-config, analyze, trace and diff accept as a file: a /config_dump
// of any era, one of its sections saved alone (ParseLenient), an Envoy bootstrap file, or bare xDS
// resources (ParseStatic). A /config_dump takes the fast path of Parse: the other readers are tried
// only when Parse has said the input is not a dump.
func ParseInput(data []byte) (*Dump, error) {
	d, err := ParseLenient(data)
	var ie *InputError
	if err == nil || !errors.As(err, &ie) || !maybeStatic(data) {
		return d, err
	}
	sd, serr := ParseStatic(data)
	if serr == nil {
		return sd, nil
	}
	var se *InputError
	if errors.As(serr, &se) && se.notConfig && !ie.notConfig {
		return nil, err // JSON that is none of these, which Parse named (a CSDS response, …)
	}
	return nil, serr
}

// maybeStatic tells whether an input Parse rejected could be a static config: JSON that parses
// whole (not cut short, not a dump), or text that is not JSON at all (YAML).
func maybeStatic(data []byte) bool {
	i := indexNonSpace(data)
	if i == len(data) || isBinary(data) || looksLikeClustersText(data) {
		return false
	}
	if !startsJSON(data) {
		return true
	}
	root, err := jsonscan.Parse(data)
	return err == nil && !(root.Kind() == jsonscan.Object && root.Get("configs").Exists())
}

func startsJSON(data []byte) bool {
	i := indexNonSpace(data)
	return i < len(data) && (data[i] == '{' || data[i] == '[')
}

// notConfig is ParseStatic's error for a document that is no Envoy config at all.
func notConfig(format string, args ...any) error {
	return &InputError{Msg: fmt.Sprintf(format, args...), notConfig: true}
}

// wantStatic is what ParseStatic accepts, for its error message.
const wantStatic = "want a /config_dump, an Envoy bootstrap, or xDS resources (Listener, Cluster, RouteConfiguration, ClusterLoadAssignment, Secret)"

// ParseStatic reads a static Envoy config, YAML or JSON, as the dump Envoy would write once it had
// loaded it, so that every view works on it:
//
//   - an Envoy bootstrap (envoy.yaml): a BootstrapConfigDump holding the whole file, its
//     static_resources as static_listeners, static_clusters and static_secrets;
//   - bare resources: one Listener, Cluster, RouteConfiguration, ClusterLoadAssignment or Secret, a
//     list of them (a JSON/YAML array, or YAML documents separated by ---), or a "resources" list
//     of Anys with "@type" as xDS DiscoveryResponses and Envoy's path config sources hold.
//
// As in Envoy's own dump, the route configurations written inline in a listener's HTTP connection
// manager are static_route_configs (one per connection manager, so a route config repeated in two
// listeners is listed twice), beside the bare RouteConfigurations. The endpoints section holds the
// ClusterLoadAssignments: bare ones and each cluster's inline load_assignment, as written (Envoy's
// ?include_eds would show the addresses its DNS resolved). A file has no bootstrap section unless it
// is a bootstrap; the ECDS section is empty. Dump.Static says what the file was.
func ParseStatic(data []byte) (*Dump, error) {
	docs, err := staticDocs(data)
	if err != nil {
		return nil, err
	}
	if len(docs) == 1 && !startsJSON(data) && docs[0].Kind() == jsonscan.Object && docs[0].Get("configs").Exists() {
		return ParseLenient(docs[0].Raw()) // a /config_dump saved as YAML (proxy-config all -o yaml)
	}
	b := &staticBuilder{w: NewWarnings()}
	for _, doc := range docs {
		if err := b.add(data, doc); err != nil {
			return nil, err
		}
	}
	switch {
	case b.n == 0 && b.boot == nil && b.skipped != "":
		return nil, notConfig("input is not an Envoy config: a list with no Envoy resource (%s); %s", b.skipped, wantStatic)
	case b.kind == "":
		return nil, notConfig("input holds no Envoy config, only YAML comments or nulls; %s", wantStatic)
	}
	d, err := Parse(b.dump())
	if err != nil {
		return nil, err
	}
	d.Static = b.describe()
	d.Warnings = b.w
	return d, nil
}

// staticDocs turns the input into JSON documents: JSON as it is, YAML through sigs.k8s.io/yaml,
// one document per YAML document.
func staticDocs(data []byte) ([]jsonscan.Value, error) {
	if startsJSON(data) {
		v, err := jsonscan.Parse(data)
		if err != nil {
			return nil, syntaxProblem(len(data), err, "")
		}
		// jsonscan reads lazily and checks only what it reads: check the whole document once, as
		// its resources are copied into the dump as they are
		if json.Valid(data) {
			return []jsonscan.Value{v}, nil
		}
		var raw json.RawMessage // only to learn where and why it is not valid
		if err := json.Unmarshal(data, &raw); err != nil {
			var se *json.SyntaxError
			if errors.As(err, &se) && se.Offset >= int64(len(bytes.TrimRight(data, " \t\r\n"))) {
				return nil, inputErrorf("input is truncated: JSON ends early at byte %d of %d", len(data), len(data))
			}
			if errors.As(err, &se) {
				return nil, inputErrorf("input is not valid JSON: %s at byte %d", se.Error(), se.Offset)
			}
			return nil, inputErrorf("input is not valid JSON: %v", err)
		}
		return []jsonscan.Value{v}, nil
	}
	var out []jsonscan.Value
	for n, doc := range splitYAML(data) {
		if len(bytes.TrimSpace(doc)) == 0 {
			continue
		}
		j, err := yaml.YAMLToJSON(doc)
		if err != nil {
			where := ""
			if n > 0 {
				where = fmt.Sprintf(" (YAML document %d)", n+1)
			}
			return nil, inputErrorf("input is neither JSON nor valid YAML%s: %s", where, strings.TrimPrefix(err.Error(), "error converting YAML to JSON: "))
		}
		v, err := jsonscan.Parse(j)
		if err != nil {
			return nil, err
		}
		if v.IsNull() {
			continue // a document of comments only
		}
		out = append(out, v)
	}
	return out, nil
}

// splitYAML splits a YAML stream at its "---" document markers.
func splitYAML(data []byte) [][]byte {
	var docs [][]byte
	start := 0
	for i := 0; i < len(data); {
		end := bytes.IndexByte(data[i:], '\n')
		if end < 0 {
			end = len(data)
		} else {
			end += i
		}
		line := bytes.TrimRight(data[i:end], " \t\r")
		if bytes.Equal(line, []byte("---")) || bytes.HasPrefix(line, []byte("--- ")) {
			docs = append(docs, data[start:i])
			start = end + 1
			if bytes.HasPrefix(line, []byte("--- ")) { // "--- {a: 1}": the document starts on the marker line
				start = i + 4
			}
		}
		i = end + 1
	}
	if start < len(data) {
		docs = append(docs, data[start:])
	}
	return docs
}

// resource kinds of a static config, by the message name in their "@type".
const (
	kindListener   = "Listener"
	kindCluster    = "Cluster"
	kindRoute      = "RouteConfiguration"
	kindCLA        = "ClusterLoadAssignment"
	kindSecret     = "Secret"
	kindBootstrap  = "Bootstrap"
	typeListenerV3 = "type.googleapis.com/envoy.config.listener.v3.Listener"
	typeClusterV3  = "type.googleapis.com/envoy.config.cluster.v3.Cluster"
	typeRouteV3    = "type.googleapis.com/envoy.config.route.v3.RouteConfiguration"
	typeCLAV3      = "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment"
	typeSecretV3   = "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret"
)

var staticTypes = map[string]string{
	kindListener: typeListenerV3, kindCluster: typeClusterV3, kindRoute: typeRouteV3, kindCLA: typeCLAV3, kindSecret: typeSecretV3,
}

// staticBuilder collects the resources of a static config into the sections of a dump.
type staticBuilder struct {
	w                                              *Warnings
	kind                                           string // "bootstrap" or "resources"
	boot                                           []byte
	listeners, clusters, routes, secrets, loadAsgn [][]byte
	inlineRoutes                                   int
	skipped                                        string // the first item left out
	n                                              int    // resources added
}

// skip warns about an item of a list left out.
func (b *staticBuilder) skip(key, msg string) {
	if b.skipped == "" {
		b.skipped = msg
	}
	b.w.Add(key, msg)
}

func (b *staticBuilder) add(data []byte, doc jsonscan.Value) error {
	switch doc.Kind() {
	case jsonscan.Array:
		return b.addList(doc, "")
	case jsonscan.Object:
	default:
		if doc.Kind() == jsonscan.String && !startsJSON(data) {
			return notConfig("input is not JSON, nor an Envoy config in YAML (it starts with %q); %s", preview(data), wantStatic)
		}
		return notConfig("input is not an Envoy config: a lone %s; %s", doc.Kind(), wantStatic)
	}
	kind := resourceKind(doc)
	switch {
	case kind == kindBootstrap:
		if b.boot != nil {
			return inputErrorf("input holds two Envoy bootstraps; give one file per proxy")
		}
		b.kind = "bootstrap"
		b.boot = doc.Raw()
		b.noteDynamic(doc.Get("dynamic_resources"))
		sr := doc.Get("static_resources")
		if err := b.addList(sr.Get("listeners"), kindListener); err != nil {
			return err
		}
		if err := b.addList(sr.Get("clusters"), kindCluster); err != nil {
			return err
		}
		return b.addList(sr.Get("secrets"), kindSecret)
	case kind != "":
		b.addResource(doc, kind)
		return nil
	}
	if rs := doc.Get("resources"); rs.Kind() == jsonscan.Array {
		if b.kind == "" {
			b.kind = "resources" // even an empty list is a valid resource file
		}
		return b.addList(rs, "") // a DiscoveryResponse or a path config source's file
	}
	if t := doc.Get("@type").Str(); t != "" {
		return notConfig("input is not an Envoy config: a single %s; %s", t[strings.LastIndexByte(t, '/')+1:], wantStatic)
	}
	if kind := doc.Get("kind").Str(); kind != "" && doc.Get("apiVersion").Exists() {
		if key := configMapKey(doc); key != "" {
			return notConfig("input is a Kubernetes ConfigMap, not an Envoy config; extract the config it holds first: kubectl get configmap %s -o jsonpath='{.data.%s}'",
				doc.Get("metadata", "name").Str(), strings.ReplaceAll(key, ".", `\.`))
		}
		return notConfig("input is a Kubernetes %s, not an Envoy config; %s", kind, wantStatic)
	}
	return notConfig("input is not an Envoy config (top-level keys: %s); %s", topKeys(doc), wantStatic)
}

// noteDynamic says which resources a bootstrap fetches over xDS, which a file cannot show.
func (b *staticBuilder) noteDynamic(dr jsonscan.Value) {
	var kinds []string
	for _, k := range []struct{ key, name string }{{"lds_config", "listeners (LDS)"}, {"cds_config", "clusters (CDS)"}} {
		if dr.Get(k.key).Exists() {
			kinds = append(kinds, k.name)
		}
	}
	if len(kinds) == 0 {
		return
	}
	via := ""
	_ = dr.Get("ads_config", "grpc_services").Items(func(_ int, g jsonscan.Value) bool {
		if c := g.Get("envoy_grpc", "cluster_name").Str(); c != "" {
			via = " from cluster " + c
			return false
		}
		return true
	})
	b.w.AddNote("static:dynamic", fmt.Sprintf("the bootstrap fetches its %s over xDS%s; a file shows only its static resources", strings.Join(kinds, " and "), via))
}

// addList adds the resources of a list; kind is what they are when the list says (a bootstrap's
// static_resources), else each is classified on its own.
func (b *staticBuilder) addList(list jsonscan.Value, kind string) error {
	if !list.Exists() || list.IsNull() {
		return nil
	}
	if list.Kind() != jsonscan.Array {
		return inputErrorf("%s list is a JSON %s, want an array", strings.ToLower(kind), list.Kind())
	}
	var err error
	_ = list.Items(func(i int, v jsonscan.Value) bool {
		if v.Kind() != jsonscan.Object {
			b.skip(fmt.Sprintf("static:item:%d", i), fmt.Sprintf("item %d of a resource list is a %s, not a resource; left out", i, v.Kind()))
			return true
		}
		if r := v.Get("resource"); r.Kind() == jsonscan.Object && !v.Get("@type").Exists() {
			v = r // an envoy.service.discovery.v3.Resource wrapper (delta xDS)
		}
		k := kind
		if k == "" {
			k = resourceKind(v)
		}
		switch k {
		case "":
			t := v.Get("@type").Str()
			if t == "" {
				t = "unknown type (keys " + topKeys(v) + ")"
			}
			b.skip("static:type:"+t, fmt.Sprintf("a resource of %s is not one xdsctl shows (Listener, Cluster, RouteConfiguration, ClusterLoadAssignment, Secret); left out", t))
		case kindBootstrap:
			err = inputErrorf("item %d of the resource list is an Envoy bootstrap; give it as a file of its own", i)
			return false
		default:
			b.addResource(v, k)
		}
		return true
	})
	return err
}

func (b *staticBuilder) addResource(v jsonscan.Value, kind string) {
	b.n++
	if b.kind == "" {
		b.kind = "resources"
	}
	raw := withType(v, staticTypes[kind])
	switch kind {
	case kindListener:
		b.listeners = append(b.listeners, raw)
		b.addInlineRoutes(v)
	case kindCluster:
		b.clusters = append(b.clusters, raw)
		if la := v.Get("load_assignment"); la.Kind() == jsonscan.Object {
			b.loadAsgn = append(b.loadAsgn, withType(la, typeCLAV3))
		}
	case kindRoute:
		b.routes = append(b.routes, raw)
	case kindCLA:
		b.loadAsgn = append(b.loadAsgn, raw)
	case kindSecret:
		b.secrets = append(b.secrets, raw)
	}
}

// addInlineRoutes adds the route configurations written inline in a listener's HTTP connection
// managers, as Envoy lists them in static_route_configs.
func (b *staticBuilder) addInlineRoutes(l jsonscan.Value) {
	chain := func(_ int, fc jsonscan.Value) bool {
		_ = itemsOrOne(fc.Get("filters"), func(_ int, f jsonscan.Value) bool {
			tc := f.Get("typed_config")
			if !tc.Exists() {
				tc = f.Get("config") // v2
			}
			if !isStaticHCM(f.Get("name").Str(), tc) {
				return true
			}
			if rc := tc.Get("route_config"); rc.Kind() == jsonscan.Object {
				b.routes = append(b.routes, withType(rc, typeRouteV3))
				b.inlineRoutes++
			}
			return true
		})
		return true
	}
	_ = itemsOrOne(l.Get("filter_chains"), chain)
	if dc := l.Get("default_filter_chain"); dc.Kind() == jsonscan.Object {
		chain(0, dc)
	}
	if api := l.Get("api_listener", "api_listener"); api.Kind() == jsonscan.Object {
		chain(0, jsonscan.New([]byte(`{"filters":[{"typed_config":`+string(api.Raw())+`}]}`)))
	}
}

// itemsOrOne is Items that also takes an object where a list is due as a list of that one item, as
// Envoy's YAML loader does (Envoy's dynamic-config-fs example writes a listener's filters so).
func itemsOrOne(v jsonscan.Value, fn func(i int, val jsonscan.Value) bool) error {
	if v.Kind() == jsonscan.Object {
		fn(0, v)
		return nil
	}
	return v.Items(fn)
}

// isStaticHCM tells whether a network filter is an HTTP connection manager, by its type or, in
// configs written without typed_config (v2), by its well-known names.
func isStaticHCM(name string, tc jsonscan.Value) bool {
	if t := tc.Get("@type").Str(); t != "" {
		return strings.HasSuffix(t, typeHCMSuffix)
	}
	return name == filterHCM || name == "envoy.http_connection_manager" || name == "http_connection_manager"
}

// resourceKind tells which resource an object is: by its "@type" when it has one, else by the
// fields only that resource has ("" when none).
func resourceKind(v jsonscan.Value) string {
	if t := v.Get("@type").Str(); t != "" {
		name := t[strings.LastIndexByte(t, '/')+1:]
		if !strings.HasPrefix(name, "envoy.") {
			return ""
		}
		switch msg := name[strings.LastIndexByte(name, '.')+1:]; msg {
		case kindListener, kindCluster, kindRoute, kindCLA, kindSecret, kindBootstrap:
			return msg
		}
		return ""
	}
	has := func(keys ...string) bool {
		for _, k := range keys {
			if v.Get(k).Exists() {
				return true
			}
		}
		return false
	}
	switch {
	case has("static_resources", "dynamic_resources", "admin", "layered_runtime", "cluster_manager", "stats_sinks", "overload_manager"):
		return kindBootstrap
	case has("filter_chains", "listener_filters", "default_filter_chain", "api_listener", "internal_listener") ||
		(v.Get("address", "socket_address").Exists() || v.Get("address", "pipe").Exists()):
		return kindListener
	case has("virtual_hosts", "vhds"):
		return kindRoute
	case has("cluster_name") && has("endpoints", "policy", "named_endpoints"):
		return kindCLA
	case has("connect_timeout", "lb_policy", "load_assignment", "eds_cluster_config", "cluster_type", "dns_lookup_family", "hosts", "circuit_breakers", "health_checks") ||
		(has("name") && has("type", "transport_socket")):
		return kindCluster
	case has("tls_certificate", "validation_context", "session_ticket_keys", "generic_secret"):
		return kindSecret
	case has("node"):
		return kindBootstrap
	}
	return ""
}

// withType returns v's JSON with "@type" first, as Envoy writes a resource in its dump.
func withType(v jsonscan.Value, typeURL string) []byte {
	raw := v.Raw()
	if v.Get("@type").Exists() || typeURL == "" {
		return raw
	}
	var sb bytes.Buffer
	sb.Grow(len(raw) + len(typeURL) + 16)
	sb.WriteString(`{"@type":"` + typeURL + `"`)
	rest := bytes.TrimSpace(raw[1:])
	if len(rest) > 0 && rest[0] != '}' {
		sb.WriteByte(',')
	}
	sb.Write(rest)
	return sb.Bytes()
}

// configMapKey returns the key of a ConfigMap's data that looks like an Envoy config file.
func configMapKey(doc jsonscan.Value) string {
	if doc.Get("kind").Str() != "ConfigMap" {
		return ""
	}
	key := ""
	_ = doc.Get("data").Fields(func(k []byte, _ jsonscan.Value) bool {
		name := string(k)
		if strings.HasSuffix(name, ".yaml") || strings.HasSuffix(name, ".yml") || strings.HasSuffix(name, ".json") {
			key = name
			return false
		}
		return true
	})
	return key
}

func topKeys(v jsonscan.Value) string {
	var keys []string
	_ = v.Fields(func(k []byte, _ jsonscan.Value) bool {
		if len(keys) == 4 {
			keys = append(keys, "…")
			return false
		}
		keys = append(keys, string(k))
		return true
	})
	if len(keys) == 0 {
		return "none"
	}
	return strings.Join(keys, ", ")
}

// dump writes the config dump Envoy would show for the collected resources.
func (b *staticBuilder) dump() []byte {
	var sb bytes.Buffer
	sb.WriteString(`{"configs":[`)
	if b.boot != nil {
		sb.WriteString(`{"@type":"type.googleapis.com/envoy.admin.v3.BootstrapConfigDump","bootstrap":`)
		sb.Write(b.boot) // a typed field of BootstrapConfigDump, not an Any: no "@type"
		sb.WriteString(`},`)
	}
	section := func(typeName, list, key string, items [][]byte, last bool) {
		sb.WriteString(`{"@type":"type.googleapis.com/envoy.admin.v3.` + typeName + `","` + list + `":[`)
		for i, it := range items {
			if i > 0 {
				sb.WriteByte(',')
			}
			if key == "secret" {
				name := jsonscan.New(it).Get("name").Raw()
				if len(name) == 0 {
					name = []byte(`""`)
				}
				sb.WriteString(`{"name":`)
				sb.Write(name)
				sb.WriteString(`,"secret":`)
			} else {
				sb.WriteString(`{"` + key + `":`)
			}
			sb.Write(it)
			sb.WriteByte('}')
		}
		sb.WriteString(`]}`)
		if !last {
			sb.WriteByte(',')
		}
	}
	section("ClustersConfigDump", "static_clusters", "cluster", b.clusters, false)
	section("ListenersConfigDump", "static_listeners", "listener", b.listeners, false)
	section("RoutesConfigDump", "static_route_configs", "route_config", b.routes, false)
	section("SecretsConfigDump", "static_secrets", "secret", b.secrets, false)
	section("EndpointsConfigDump", "static_endpoint_configs", "endpoint_config", b.loadAsgn, false)
	section("EcdsConfigDump", "ecds_filters", "ecds_filter", nil, true)
	sb.WriteString(`]}`)
	return sb.Bytes()
}

// describe says what the static file held, for Dump.Static.
func (b *staticBuilder) describe() string {
	what := "xDS resources"
	if b.kind == "bootstrap" {
		what = "an Envoy bootstrap"
	}
	parts := []string{}
	for _, c := range []struct {
		n    int
		name string
	}{{len(b.listeners), "listener"}, {len(b.clusters), "cluster"}, {len(b.routes) - b.inlineRoutes, "route configuration"}, {b.inlineRoutes, "inline route configuration"}, {len(b.secrets), "secret"}} {
		if c.n > 0 {
			s := fmt.Sprintf("%d %s", c.n, c.name)
			if c.n > 1 {
				s += "s"
			}
			parts = append(parts, s)
		}
	}
	if len(parts) == 0 {
		return what + " with no static resources"
	}
	return what + " with " + strings.Join(parts, ", ")
}
