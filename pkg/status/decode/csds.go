package decode

import (
	"fmt"
	"strings"
	"time"

	"github.com/xdsctl/xdsctl/pkg/status"

	"github.com/xdsctl/xdsctl/pkg/xdswire"

	"google.golang.org/protobuf/encoding/protowire"
)

// ConfigStatus values (envoy.service.status.v3.ConfigStatus): the control plane's view.
const (
	csUnknown = 0
	csSynced  = 1
	csNotSent = 2
	csStale   = 3
	csError   = 4
)

// ClientResourceStatus values (envoy.admin.v3.ClientResourceStatus): a client's view of a resource.
const (
	crsUnknown       = 0
	crsRequested     = 1
	crsDoesNotExist  = 2
	crsAcked         = 3
	crsNacked        = 4
	crsReceivedError = 5
	crsTimeout       = 6
)

// ClientConfigStatus values (envoy.service.status.v3.ClientConfigStatus), of the legacy per-type entries.
const (
	ccsRequested     = 1
	ccsAcked         = 2
	ccsNacked        = 3
	ccsReceivedError = 4
)

var configStatusNames = []string{"UNKNOWN", "SYNCED", "NOT_SENT", "STALE", "ERROR"}

var clientResourceStatusNames = []string{"UNKNOWN", "REQUESTED", "DOES_NOT_EXIST", "ACKED", "NACKED", "RECEIVED_ERROR", "TIMEOUT"}

var clientConfigStatusNames = []string{"CLIENT_UNKNOWN", "CLIENT_REQUESTED", "CLIENT_ACKED", "CLIENT_NACKED", "CLIENT_RECEIVED_ERROR"}

// clientConfig is one CSDS ClientConfig, decoded from binary or JSON.
type clientConfig struct {
	node    node
	generic []genericConfig
	perXds  []perXdsConfig
}

type node struct {
	id, cluster string
	userAgent   string // user_agent_name and version
	// from the metadata
	namespace, clusterID, istioVersion string
	labels                             map[string]string
	hasAnyIdentifier                   bool
}

// setMetadata keeps the node metadata proxy-status shows.
func (nd *node) setMetadata(key, text string, sub map[string]string) {
	switch key {
	case "NAMESPACE":
		nd.namespace = text
	case "CLUSTER_ID":
		nd.clusterID = text
	case "ISTIO_VERSION":
		nd.istioVersion = text
	case "LABELS":
		if len(sub) > 0 {
			nd.labels = sub
		}
	}
}

func metadataKey(k string) bool {
	return k == "NAMESPACE" || k == "CLUSTER_ID" || k == "ISTIO_VERSION" || k == "LABELS"
}

// genericConfig is one ClientConfig.GenericXdsConfig.
type genericConfig struct {
	typeURL, name, version string
	lastUpdated            time.Time
	configStatus           int
	clientStatus           int
	failure                *failure
	hasConfig              bool
	config                 xdswire.Any // the resource (binary form)
	configJSON             []byte      // the resource (JSON form)
}

// failure is an admin.v3 UpdateFailureState.
type failure struct {
	details, version string
	at               time.Time
}

// perXdsConfig is one legacy ClientConfig.xds_config entry, already summarised.
type perXdsConfig struct {
	short        string
	status       int
	clientStatus int
	version      string
	facts        dumpFacts
}

// clientConfigs splits a CSDS ClientStatusResponse into its ClientConfig messages (field 1), still
// encoded.
func clientConfigs(resp []byte) ([][]byte, error) {
	var ccs [][]byte
	tooMany := false
	err := xdswire.Walk(resp, func(num protowire.Number, typ protowire.Type, b []byte) int {
		if num != 1 {
			return 0
		}
		var raw []byte
		n := xdswire.Bytes(typ, b, &raw)
		if n > 0 {
			if len(ccs) == MaxEntries {
				tooMany = true
				return -1
			}
			ccs = append(ccs, raw)
		}
		return n
	})
	if tooMany {
		return nil, fmt.Errorf("decode CSDS response: %w", &TooManyError{What: "client configs"})
	}
	if err != nil {
		return nil, fmt.Errorf("decode CSDS response: %w", err)
	}
	return ccs, nil
}

// DecodeClientStatus decodes a CSDS ClientStatusResponse in protobuf binary form (as it comes off the
// wire) into proxy statuses. controlPlane names the server that answered (its address) and becomes each
// proxy's ControlPlane. Resource payloads are not decoded.
func DecodeClientStatus(b []byte, controlPlane string) (*status.Report, error) {
	ccs, err := clientConfigs(b)
	if err != nil {
		return nil, err
	}
	r := &status.Report{Proxies: make([]status.ProxyStatus, 0, len(ccs))}
	for i, raw := range ccs {
		cc, err := parseClientConfig(raw)
		if err != nil {
			r.Warnf("client config %d: %v", i, err)
			continue
		}
		add(r, cc, i, controlPlane)
	}
	r.Finish()
	return r, nil
}

func add(r *status.Report, cc *clientConfig, i int, controlPlane string) {
	if !cc.node.hasAnyIdentifier && len(cc.generic) == 0 && len(cc.perXds) == 0 {
		r.Warnf("client config %d is empty", i)
		return
	}
	p := fromClientConfig(cc)
	p.ControlPlane = controlPlane
	r.Proxies = append(r.Proxies, p)
}

// parseClientConfig reads an envoy.service.status.v3.ClientConfig.
func parseClientConfig(b []byte) (*clientConfig, error) {
	cc := &clientConfig{}
	err := xdswire.Walk(b, func(num protowire.Number, typ protowire.Type, b []byte) int {
		var raw []byte
		n := xdswire.Bytes(typ, b, &raw)
		if n <= 0 {
			return n
		}
		switch num {
		case 1:
			nd, err := parseNode(raw)
			if err != nil {
				return -1
			}
			cc.node = nd
		case 2:
			px, ok, err := parsePerXds(raw)
			if err != nil {
				return -1
			}
			if ok {
				cc.perXds = append(cc.perXds, px)
			}
		case 3:
			g, err := parseGeneric(raw)
			if err != nil {
				return -1
			}
			if cc.generic == nil {
				cc.generic = make([]genericConfig, 0, 8) // istiod reports 5-7 types
			}
			cc.generic = append(cc.generic, g)
		}
		return n
	})
	return cc, err
}

// parseNode reads an envoy.config.core.v3.Node.
func parseNode(b []byte) (node, error) {
	var nd node
	var uaName, uaVersion string
	var build []byte
	err := xdswire.Walk(b, func(num protowire.Number, typ protowire.Type, b []byte) int {
		switch num {
		case 1:
			return xdswire.String(typ, b, &nd.id)
		case 2:
			return xdswire.String(typ, b, &nd.cluster)
		case 3:
			return xdswire.Message(typ, b, func(raw []byte) error {
				return xdswire.ParseStruct(raw, metadataKey, nd.setMetadata)
			})
		case 6:
			return xdswire.String(typ, b, &uaName)
		case 7:
			return xdswire.String(typ, b, &uaVersion)
		case 8:
			return xdswire.Bytes(typ, b, &build)
		}
		return 0
	})
	if err != nil {
		return nd, err
	}
	if uaVersion == "" && build != nil {
		uaVersion = parseBuildVersion(build)
	}
	nd.userAgent = strings.TrimSpace(uaName + " " + uaVersion)
	nd.hasAnyIdentifier = true
	return nd, nil
}

// parseBuildVersion reads a BuildVersion's SemanticVersion as "major.minor.patch".
func parseBuildVersion(b []byte) string {
	var sem []byte
	_ = xdswire.Walk(b, func(num protowire.Number, typ protowire.Type, b []byte) int {
		if num == 1 {
			return xdswire.Bytes(typ, b, &sem)
		}
		return 0
	})
	if sem == nil {
		return ""
	}
	var v [4]uint64
	_ = xdswire.Walk(sem, func(num protowire.Number, typ protowire.Type, b []byte) int {
		if num >= 1 && num <= 3 {
			return xdswire.Varint(typ, b, &v[num])
		}
		return 0
	})
	return fmt.Sprintf("%d.%d.%d", v[1], v[2], v[3])
}

// parseGeneric reads a ClientConfig.GenericXdsConfig.
func parseGeneric(b []byte) (genericConfig, error) {
	var g genericConfig
	err := xdswire.Walk(b, func(num protowire.Number, typ protowire.Type, b []byte) int {
		switch num {
		case 1:
			var raw []byte
			n := xdswire.Bytes(typ, b, &raw)
			if n > 0 {
				g.typeURL = internTypeURL(raw)
			}
			return n
		case 2:
			return xdswire.String(typ, b, &g.name)
		case 3:
			return xdswire.String(typ, b, &g.version)
		case 4:
			n := xdswire.AnyField(typ, b, &g.config)
			g.hasConfig = g.hasConfig || n > 0
			return n
		case 5:
			return xdswire.Timestamp(typ, b, &g.lastUpdated)
		case 6:
			return xdswire.Enum(typ, b, &g.configStatus)
		case 7:
			return xdswire.Enum(typ, b, &g.clientStatus)
		case 8:
			return xdswire.Message(typ, b, func(raw []byte) (err error) {
				g.failure, err = parseFailure(raw)
				return err
			})
		}
		return 0
	})
	return g, err
}

// knownTypeURLs are the type URLs a status response repeats for every proxy: one string each.
var knownTypeURLs = func() map[string]string {
	m := map[string]string{}
	for _, s := range status.StandardTypes {
		u := status.V3TypeURL(s)
		m[u] = u
	}
	for _, s := range []string{"SDS", "SRDS"} {
		u := status.V3TypeURL(s)
		m[u] = u
	}
	return m
}()

// internTypeURL returns the shared string of a known type URL (no allocation), else a new one.
func internTypeURL(b []byte) string {
	if s, ok := knownTypeURLs[string(b)]; ok {
		return s
	}
	return string(b)
}

// parseFailure reads an envoy.admin.v3.UpdateFailureState.
func parseFailure(b []byte) (*failure, error) {
	f := &failure{}
	err := xdswire.Walk(b, func(num protowire.Number, typ protowire.Type, b []byte) int {
		switch num {
		case 2:
			return xdswire.Timestamp(typ, b, &f.at)
		case 3:
			return xdswire.String(typ, b, &f.details)
		case 4:
			return xdswire.String(typ, b, &f.version)
		}
		return 0
	})
	return f, err
}

// legacyDump describes how to read one admin *ConfigDump of a legacy PerXdsConfig entry.
type legacyDump struct {
	short   string
	version protowire.Number   // the dump's version_info field, 0 if none
	dynamic []protowire.Number // fields holding dynamic entries
	// fields of a dynamic entry
	lastUpdated, errorState protowire.Number
	states                  []protowire.Number // listener entries: active, warming, draining states
}

// PerXdsConfig oneof fields → the admin dump they hold (envoy/admin/v3/config_dump_shared.proto).
var legacyDumps = map[protowire.Number]legacyDump{
	2: {short: "LDS", version: 1, dynamic: []protowire.Number{3}, errorState: 5, states: []protowire.Number{2, 3, 4}},
	3: {short: "CDS", version: 1, dynamic: []protowire.Number{3, 4}, lastUpdated: 3, errorState: 4},
	4: {short: "RDS", dynamic: []protowire.Number{3}, lastUpdated: 3, errorState: 4},
	5: {short: "SRDS", dynamic: []protowire.Number{2}, lastUpdated: 4, errorState: 5},
	6: {short: "EDS", dynamic: []protowire.Number{3}, lastUpdated: 3, errorState: 4},
}

// parsePerXds reads a legacy PerXdsConfig; ok is false for a oneof xdsctl does not know.
func parsePerXds(b []byte) (perXdsConfig, bool, error) {
	var px perXdsConfig
	var ok bool
	err := xdswire.Walk(b, func(num protowire.Number, typ protowire.Type, b []byte) int {
		switch num {
		case 1:
			return xdswire.Enum(typ, b, &px.status)
		case 7:
			return xdswire.Enum(typ, b, &px.clientStatus)
		}
		ld, known := legacyDumps[num]
		if !known {
			return 0
		}
		var raw []byte
		n := xdswire.Bytes(typ, b, &raw)
		if n < 0 {
			return n
		}
		ok = true
		px.short = ld.short
		if err := readLegacyDump(raw, ld, &px); err != nil {
			return -1
		}
		return n
	})
	return px, ok, err
}

func readLegacyDump(b []byte, ld legacyDump, px *perXdsConfig) error {
	return xdswire.Walk(b, func(num protowire.Number, typ protowire.Type, b []byte) int {
		if ld.version != 0 && num == ld.version {
			return xdswire.String(typ, b, &px.version)
		}
		dyn := false
		for _, d := range ld.dynamic {
			dyn = dyn || d == num
		}
		if !dyn {
			return 0
		}
		var entry []byte
		n := xdswire.Bytes(typ, b, &entry)
		if n <= 0 {
			return n
		}
		if xdswire.Walk(entry, func(num protowire.Number, typ protowire.Type, b []byte) int {
			if num == ld.errorState {
				return xdswire.Message(typ, b, func(raw []byte) error {
					f, err := parseFailure(raw)
					if err == nil {
						px.facts.addFailure(f)
					}
					return err
				})
			}
			if ld.lastUpdated != 0 && num == ld.lastUpdated {
				var t time.Time
				n := xdswire.Timestamp(typ, b, &t)
				px.facts.addTime(t)
				return n
			}
			for _, s := range ld.states {
				if num != s {
					continue
				}
				var state []byte
				n := xdswire.Bytes(typ, b, &state)
				if n > 0 && xdswire.Walk(state, func(num protowire.Number, typ protowire.Type, b []byte) int {
					if num == 3 { // DynamicListenerState.last_updated
						var t time.Time
						n := xdswire.Timestamp(typ, b, &t)
						px.facts.addTime(t)
						return n
					}
					return 0
				}) != nil {
					return -1
				}
				return n
			}
			return 0
		}) != nil {
			return -1
		}
		return n
	})
}

type dumpFacts struct {
	last time.Time
	errs []string
}

func (f *dumpFacts) addTime(t time.Time) {
	if t.After(f.last) {
		f.last = t
	}
}

func (f *dumpFacts) addFailure(fl *failure) {
	f.addTime(fl.at)
	if d := status.OneLine(fl.details); d != "" {
		f.errs = append(f.errs, d)
	}
}

// fromClientConfig turns one ClientConfig into a ProxyStatus (ControlPlane left empty).
//
// Per type, generic_xds_configs entries are folded. A control plane may send one entry per type with
// an empty name (istiod's syncz, the bundled control plane's summary): that entry decides the type's
// state and versions, and named entries only add per-resource detail. Without such an entry the per-resource states
// are aggregated. Legacy per-type xds_config entries are used for the types that generic_xds_configs
// do not cover.
func fromClientConfig(cc *clientConfig) status.ProxyStatus {
	p := proxyFromNode(&cc.node)
	type acc struct {
		short, url  string
		hasSummary  bool
		summary     status.ResourceStatus
		sumSent     string
		sumAcked    string
		rs          []status.ResourceStatus
		sent, acked []string
	}
	accs := make([]acc, 0, len(cc.generic)) // a handful of types: a slice beats a map
	find := func(short string) *acc {
		for i := range accs {
			if accs[i].short == short {
				return &accs[i]
			}
		}
		return nil
	}
	for i := range cc.generic {
		g := &cc.generic[i]
		short := status.ShortType(g.typeURL)
		if short == "" {
			continue
		}
		a := find(short)
		if a == nil {
			accs = append(accs, acc{short: short, url: g.typeURL})
			a = &accs[len(accs)-1]
		}
		rs, sent, acked := resourceFromGeneric(g)
		if g.name == "" && !a.hasSummary {
			a.hasSummary, a.summary, a.sumSent, a.sumAcked = true, rs, sent, acked
			continue
		}
		a.rs = append(a.rs, rs)
		a.sent = append(a.sent, sent)
		a.acked = append(a.acked, acked)
	}
	types := make([]status.TypeStatus, 0, len(accs)+len(status.StandardTypes))
	for i := range accs {
		a := &accs[i]
		switch {
		case a.hasSummary && len(a.rs) == 0:
			// the common case (istiod): one entry per type
			s := &a.summary
			t := status.TypeStatus{Type: a.short, TypeURL: a.url, State: s.State, LastUpdated: s.LastUpdated,
				VersionSent: a.sumSent, VersionAcked: a.sumAcked}
			if s.State == status.StateError {
				t.Error = s.Error
			}
			types = append(types, t)
		case a.hasSummary:
			t := status.FoldResources(a.short, a.url, a.rs, a.sent, a.acked)
			s := &a.summary
			t.State, t.LastUpdated = s.State, s.LastUpdated
			if s.State == status.StateError {
				t.Error = status.NACKMessage(s.Error, a.rs)
			} else {
				t.Error = s.Error
			}
			// The summary tells the type's versions too: per-resource versions (a delta stream's
			// per-resource hashes, the accepted siblings of a rejected resource) are not the type's.
			if a.sumSent != "" || a.sumAcked != "" {
				t.VersionSent, t.VersionAcked = a.sumSent, a.sumAcked
			}
			types = append(types, t)
		default:
			types = append(types, status.FoldResources(a.short, a.url, a.rs, a.sent, a.acked))
		}
	}
	for i := range cc.perXds {
		t := fromPerXds(&cc.perXds[i])
		if find(t.Type) == nil && !status.HasType(types, t.Type) {
			types = append(types, t)
		}
	}
	p.Types = status.FinishTypes(types)
	return p
}

// resourceFromGeneric computes the state of one generic_xds_configs entry, plus the versions it tells.
//
// The control plane's config_status wins when set (SYNCED, STALE, NOT_SENT, ERROR); a client's own
// client_status is used otherwise (ACKED → SYNCED, NACKED/RECEIVED_ERROR → ERROR, REQUESTED,
// DOES_NOT_EXIST, TIMEOUT → NOT SENT). Either side saying ERROR/NACKED gives ERROR. With neither
// status set, an error_state gives ERROR, a version SYNCED, and nothing at all IGNORED (istiod reports
// UNKNOWN for types the proxy does not watch).
func resourceFromGeneric(g *genericConfig) (r status.ResourceStatus, sent, acked string) {
	r = status.ResourceStatus{Name: g.name, Version: g.version, LastUpdated: g.lastUpdated}
	cs, cl := g.configStatus, g.clientStatus
	if cl != crsUnknown {
		r.ClientStatus = enumName(clientResourceStatusNames, cl)
	}
	if g.failure != nil {
		r.Error = status.OneLine(g.failure.details)
		if r.LastUpdated.IsZero() {
			r.LastUpdated = g.failure.at
		}
	}
	switch {
	case cs == csError || cl == crsNacked || cl == crsReceivedError:
		r.State = status.StateError
	case cs == csSynced:
		r.State = status.StateSynced
	case cs == csStale:
		r.State = status.StateStale
	case cs == csNotSent:
		r.State = status.StateNotSent
	case cl == crsAcked:
		r.State = status.StateSynced
	case cl == crsRequested, cl == crsDoesNotExist, cl == crsTimeout:
		r.State = status.StateNotSent
	case g.failure != nil:
		r.State = status.StateError
	case g.version != "" || g.hasConfig:
		r.State = status.StateSynced
	default:
		r.State = status.StateIgnored
	}
	if r.State == status.StateError && r.Error == "" {
		r.Error = status.NoDetails
	}
	// Versions: a control plane reports the version it sent; a client the version it accepted, and in
	// error_state the version it rejected.
	if cs != csUnknown {
		sent = g.version
		if cs == csSynced {
			acked = sent
		}
	} else {
		acked = g.version
		if cl == crsAcked {
			sent = acked
		}
	}
	if g.failure != nil && g.failure.version != "" {
		sent = g.failure.version
	}
	return r, sent, acked
}

// fromPerXds reads a legacy per-type xds_config entry (status plus the type's config dump).
func fromPerXds(x *perXdsConfig) status.TypeStatus {
	short := x.short
	t := status.TypeStatus{Type: short, TypeURL: status.V3TypeURL(short), LastUpdated: x.facts.last, Error: strings.Join(x.facts.errs, "; ")}
	switch {
	case x.status == csError || x.clientStatus == ccsNacked || x.clientStatus == ccsReceivedError:
		t.State = status.StateError
	case x.status == csSynced:
		t.State = status.StateSynced
	case x.status == csStale:
		t.State = status.StateStale
	case x.status == csNotSent:
		t.State = status.StateNotSent
	case x.clientStatus == ccsAcked:
		t.State = status.StateSynced
	case x.clientStatus == ccsRequested:
		t.State = status.StateNotSent
	case len(x.facts.errs) > 0:
		t.State = status.StateError
	default:
		t.State = status.StateIgnored
	}
	if t.State == status.StateError && t.Error == "" {
		t.Error = status.NoDetails
	}
	if x.status != csUnknown {
		t.VersionSent = x.version
		if t.State == status.StateSynced {
			t.VersionAcked = x.version
		}
	} else {
		t.VersionAcked = x.version
	}
	return t
}

// proxyFromNode fills the identity columns from an xDS node.
func proxyFromNode(n *node) status.ProxyStatus {
	p := status.ProxyStatus{Name: n.id}
	if pod := IstioPod(n.id); pod != "" {
		p.Name, p.NodeID = pod, n.id
	}
	p.Namespace = n.namespace
	if p.Namespace == "" {
		p.Namespace = namespaceFromIstioID(n.id)
	}
	p.Cluster = n.clusterID
	if p.Cluster == "" {
		p.Cluster = n.cluster
	}
	p.Version = n.istioVersion
	if p.Version == "" {
		p.Version = n.userAgent
	}
	if len(n.labels) > 0 {
		p.Labels = n.labels
	}
	return p
}

// IstioPod returns pod.namespace of an Istio-shaped node ID (type~ip~pod.namespace~domain: a
// sidecar, router, waypoint…), "" for any other ID.
func IstioPod(id string) string {
	parts := strings.Split(id, "~")
	if len(parts) != 4 || parts[0] == "" || strings.LastIndexByte(parts[2], '.') <= 0 {
		return ""
	}
	return parts[2]
}

// namespaceFromIstioID reads the namespace from an Istio node ID: type~ip~pod.namespace~domain.
func namespaceFromIstioID(id string) string {
	parts := strings.Split(id, "~")
	if len(parts) != 4 {
		return ""
	}
	if i := strings.LastIndexByte(parts[2], '.'); i > 0 {
		return parts[2][i+1:]
	}
	return ""
}

func enumName(names []string, v int) string {
	if v >= 0 && v < len(names) {
		return names[v]
	}
	return fmt.Sprint(v)
}
