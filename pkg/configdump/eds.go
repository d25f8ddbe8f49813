package configdump

import (
	"bytes"
	"fmt"
	"sort"
	"strings"

	"github.com/xdsctl/xdsctl/internal/jsonscan"
)

// ErrNoEDS is returned when a dump has no EDS section (Envoy writes one only for
// /config_dump?include_eds). It matches ErrNoSection with errors.Is.
var ErrNoEDS error = noEDSError{}

type noEDSError struct{}

func (noEDSError) Error() string {
	return "the dump has no EDS section (EndpointsConfigDump): save it with /config_dump?include_eds (xdsctl proxy-config all <pod> --save FILE), or give /clusters?format=json output"
}

func (noEDSError) Is(target error) bool { return target == ErrNoSection }

// LoadAssignment is one ClusterLoadAssignment of a config dump's EDS section (what the control
// plane sent for a cluster), with its endpoints flattened.
type LoadAssignment struct {
	Cluster   string     `json:"cluster"`
	Endpoints []Endpoint `json:"endpoints"`
	Meta
	Raw jsonscan.Value `json:"-"`
}

// Endpoint is one LbEndpoint of a ClusterLoadAssignment.
type Endpoint struct {
	// Addresses are the endpoint's address and its additional_addresses.
	Addresses []Address `json:"addresses"`
	Status    string    `json:"status"` // health_status; UNKNOWN when not set
	Locality  Locality  `json:"locality"`
	Priority  uint32    `json:"priority,omitempty"`
	Weight    uint32    `json:"weight,omitempty"` // load_balancing_weight; 0 when not set
	Hostname  string    `json:"hostname,omitempty"`
}

// Name writes the endpoint's addresses as istioctl's EDS table does, joined by ",".
func (e *Endpoint) Name() string {
	s := make([]string, len(e.Addresses))
	for i, a := range e.Addresses {
		s[i] = a.String()
	}
	return strings.Join(s, ",")
}

// Usable tells whether Envoy sends traffic to the endpoint by its EDS status (HEALTHY, DEGRADED,
// or UNKNOWN, which Envoy treats as healthy).
func (e *Endpoint) Usable() bool {
	return e.Status == "HEALTHY" || e.Status == "UNKNOWN" || e.Status == "DEGRADED"
}

// MatchEndpoint tells whether an EDS endpoint of cluster passes the filter: Address matches any of
// its addresses, Port the port of its first address.
func (f EndpointFilter) MatchEndpoint(e *Endpoint, cluster string) bool {
	if f.Address != "" {
		found := false
		for _, a := range e.Addresses {
			if a.Matches(f.Address) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	var first Address
	if len(e.Addresses) > 0 {
		first = e.Addresses[0]
	}
	rest := f
	rest.Address = ""
	return rest.match(first, cluster, e.Status)
}

// Select returns the endpoints that pass the filter.
func (la *LoadAssignment) Select(f EndpointFilter) []Endpoint {
	if f.IsZero() {
		return la.Endpoints
	}
	var out []Endpoint
	for i := range la.Endpoints {
		if f.MatchEndpoint(&la.Endpoints[i], la.Cluster) {
			out = append(out, la.Endpoints[i])
		}
	}
	return out
}

// EDS returns the ClusterLoadAssignments of the dump's EDS section (present when the dump was
// taken with /config_dump?include_eds), dynamic then static, sorted as istioctl sorts them (by
// the parts of the cluster name: fqdn, subset, port, direction). Entries that hold only a
// rejected update (error_state) have State StateError.
func (d *Dump) EDS() ([]LoadAssignment, error) {
	sec, ok := d.Section(SectionEndpoints)
	if !ok {
		return nil, ErrNoEDS
	}
	var dynamic, static []LoadAssignment
	err := sec.Fields(func(k []byte, v jsonscan.Value) bool {
		var state string
		var out *[]LoadAssignment
		switch {
		case jsonscan.KeyIs(k, "dynamic_endpoint_configs"):
			state, out = StateActive, &dynamic
		case jsonscan.KeyIs(k, "static_endpoint_configs"):
			state, out = StateStatic, &static
		default:
			return true
		}
		_ = eachDynamic(v, "endpoint_config", state, func(it dynamicItem) {
			la := LoadAssignment{Cluster: it.Name}
			if it.Res.Exists() {
				la = readLoadAssignment(it.Res)
			}
			la.Meta = it.Meta
			*out = append(*out, la)
		})
		return true
	})
	if err != nil {
		return nil, fmt.Errorf("read endpoints: %w", err)
	}
	all := append(dynamic, static...)
	// sort indices, not the (large) assignments; equal names keep dump order, dynamic first
	idx := make([]int, len(all))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(i, j int) bool {
		a, b := all[idx[i]].Cluster, all[idx[j]].Cluster
		if a != b {
			return lessClusterName(a, b)
		}
		return idx[i] < idx[j]
	})
	out := make([]LoadAssignment, len(all))
	for i, k := range idx {
		out[i] = all[k]
	}
	return out, nil
}

func readLoadAssignment(v jsonscan.Value) LoadAssignment {
	la := LoadAssignment{Raw: v}
	_ = v.Fields(func(k []byte, f jsonscan.Value) bool {
		switch {
		case jsonscan.KeyIs(k, "cluster_name"):
			la.Cluster = f.Str()
		case jsonscan.KeyIs(k, "endpoints"):
			_ = f.Items(func(_ int, llb jsonscan.Value) bool {
				la.Endpoints = append(la.Endpoints, readLocalityEndpoints(llb)...)
				return true
			})
		}
		return true
	})
	return la
}

// readLocalityEndpoints reads a LocalityLbEndpoints: its locality and priority apply to each endpoint.
func readLocalityEndpoints(v jsonscan.Value) []Endpoint {
	var loc Locality
	var prio uint32
	var lbs jsonscan.Value
	_ = v.Fields(func(k []byte, f jsonscan.Value) bool {
		switch {
		case jsonscan.KeyIs(k, "locality"):
			loc = readLocality(f)
		case jsonscan.KeyIs(k, "priority"):
			prio = uint32Of(f)
		case jsonscan.KeyIs(k, "lb_endpoints"):
			lbs = f
		}
		return true
	})
	var out []Endpoint
	_ = lbs.Items(func(_ int, lb jsonscan.Value) bool {
		e := readLbEndpoint(lb)
		e.Locality, e.Priority = loc, prio
		out = append(out, e)
		return true
	})
	return out
}

func readLbEndpoint(v jsonscan.Value) Endpoint {
	e := Endpoint{Status: "UNKNOWN"}
	var addr Address
	var extra []Address
	_ = v.Fields(func(k []byte, f jsonscan.Value) bool {
		switch {
		case jsonscan.KeyIs(k, "endpoint"):
			addr = readAddress(f.Get("address"))
			e.Hostname = f.Get("hostname").Str()
			_ = f.Get("additional_addresses").Items(func(_ int, a jsonscan.Value) bool {
				extra = append(extra, readAddress(a.Get("address")))
				return true
			})
		case jsonscan.KeyIs(k, "health_status"):
			e.Status = healthStatus(f)
		case jsonscan.KeyIs(k, "load_balancing_weight"):
			e.Weight = uint32Of(f)
		}
		return true
	})
	e.Addresses = append([]Address{addr}, extra...)
	return e
}

// FilteredJSON returns the assignment's JSON with only the endpoints that pass the filter (as
// istioctl prints it for -o json); the rest of the resource is kept as it is.
func (la *LoadAssignment) FilteredJSON(f EndpointFilter) []byte {
	if f.IsZero() || !la.Raw.Exists() {
		return la.Raw.Raw()
	}
	var b bytes.Buffer
	all := func(jsonscan.Value) bool { return true }
	writeFiltered(&b, la.Raw, "endpoints", all, func(llb jsonscan.Value) {
		writeFiltered(&b, llb, "lb_endpoints", func(lb jsonscan.Value) bool {
			e := readLbEndpoint(lb)
			return f.MatchEndpoint(&e, la.Cluster)
		}, func(lb jsonscan.Value) { b.Write(lb.Raw()) })
	})
	return b.Bytes()
}

// writeFiltered copies the object obj to b as it is, except the array under key: of its elements
// only those keep accepts are written, each by write.
func writeFiltered(b *bytes.Buffer, obj jsonscan.Value, key string, keep func(jsonscan.Value) bool, write func(jsonscan.Value)) {
	b.WriteByte('{')
	n := 0
	_ = obj.Fields(func(k []byte, v jsonscan.Value) bool {
		if n > 0 {
			b.WriteByte(',')
		}
		n++
		b.WriteByte('"')
		b.Write(k)
		b.WriteString(`":`)
		if !jsonscan.KeyIs(k, key) {
			b.Write(v.Raw())
			return true
		}
		b.WriteByte('[')
		m := 0
		_ = v.Items(func(_ int, it jsonscan.Value) bool {
			if !keep(it) {
				return true
			}
			if m > 0 {
				b.WriteByte(',')
			}
			m++
			write(it)
			return true
		})
		b.WriteByte(']')
		return true
	})
	b.WriteByte('}')
}
