package configdump

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/xdsctl/xdsctl/internal/jsonscan"
)

// Clusters is Envoy's /clusters?format=json output (envoy.admin.v3.Clusters): the hosts Envoy
// load-balances to, with their health as Envoy sees it now.
type Clusters struct {
	Statuses []ClusterStatus
	// Partial is set when the input was cut short and only the complete clusters are kept.
	Partial string
}

// ClusterStatus is one cluster of /clusters?format=json.
type ClusterStatus struct {
	Name        string `json:"name"`
	AddedViaAPI bool   `json:"addedViaApi"`
	Hosts       []Host `json:"hosts"`
	// Raw is the cluster's JSON, for -o json.
	Raw jsonscan.Value `json:"-"`
}

// Host is one upstream host of a cluster (envoy.admin.v3.HostStatus).
type Host struct {
	Cluster  string   `json:"cluster"`
	Address  Address  `json:"address"`
	Status   string   `json:"status"` // eds_health_status: HEALTHY, UNHEALTHY, DRAINING, ...
	Weight   uint32   `json:"weight,omitempty"`
	Priority uint32   `json:"priority,omitempty"`
	Locality Locality `json:"locality"`
	Hostname string   `json:"hostname,omitempty"`
	// FailedOutlierCheck is the OUTLIER CHECK column: Envoy ejected the host (outlier detection).
	FailedOutlierCheck bool `json:"failedOutlierCheck,omitempty"`
	// Flags are the other health flags Envoy set (failed_active_health_check, pending_dynamic_removal, ...).
	Flags []string `json:"flags,omitempty"`
}

// hostFlags are the boolean fields of envoy.admin.v3.HostHealthStatus besides failed_outlier_check.
var hostFlags = []string{
	"failed_active_health_check", "failed_active_degraded_check", "pending_dynamic_removal",
	"pending_active_hc", "excluded_via_immediate_hc_fail", "active_hc_timeout",
}

// Endpoint writes the host as istioctl's endpoints table does: ip:port (ip alone when the port
// is 0), unix://path for a pipe, and envoy://listener/id for an internal address.
func (h *Host) Endpoint() string {
	a := h.Address
	switch {
	case a.isInternal():
		return a.String()
	case a.Pipe != "" || !a.isSocket():
		return "unix://" + a.Pipe
	case a.Port == 0:
		return a.IP
	}
	return a.IP + ":" + strconv.FormatUint(uint64(a.Port), 10)
}

// sortKey is the address istioctl sorts hosts by (the IP, or unix://path).
func (h *Host) sortKey() string {
	if h.Address.isSocket() {
		return h.Address.IP
	}
	return h.Endpoint()
}

// EndpointFilter selects endpoints as istioctl's --address, --port, --cluster and --status do.
// Address matches the IP, ip:port, or the pipe path; Cluster and Status are case-insensitive.
type EndpointFilter struct {
	Address string
	Port    uint32
	Cluster string
	Status  string
}

// IsZero tells whether the filter selects everything.
func (f EndpointFilter) IsZero() bool { return f == EndpointFilter{} }

func (f EndpointFilter) match(a Address, cluster, status string) bool {
	if f.Address != "" && !a.Matches(f.Address) {
		return false
	}
	if f.Port != 0 && (!a.isSocket() || a.Port != f.Port) {
		return false
	}
	if f.Cluster != "" && !strings.EqualFold(cluster, f.Cluster) {
		return false
	}
	if f.Status != "" && !strings.EqualFold(status, f.Status) {
		return false
	}
	return true
}

// MatchHost tells whether h passes the filter.
func (f EndpointFilter) MatchHost(h *Host) bool { return f.match(h.Address, h.Cluster, h.Status) }

// Hosts returns the hosts that pass the filter, sorted as istioctl sorts them (address, port,
// cluster), hosts with equal keys in input order. They point into c: a host is a large struct and
// there can be 100,000 of them.
func (c *Clusters) Hosts(f EndpointFilter) []*Host {
	type ref struct {
		h   *Host
		key string
		seq int
	}
	n := 0
	for i := range c.Statuses {
		n += len(c.Statuses[i].Hosts)
	}
	refs := make([]ref, 0, n)
	for i := range c.Statuses {
		for j := range c.Statuses[i].Hosts {
			if h := &c.Statuses[i].Hosts[j]; f.MatchHost(h) {
				refs = append(refs, ref{h, h.sortKey(), len(refs)})
			}
		}
	}
	slices.SortFunc(refs, func(a, b ref) int {
		if c := strings.Compare(a.key, b.key); c != 0 {
			return c
		}
		if c := cmp.Compare(a.h.Address.Port, b.h.Address.Port); c != 0 {
			return c
		}
		if c := strings.Compare(a.h.Cluster, b.h.Cluster); c != 0 {
			return c
		}
		return a.seq - b.seq
	})
	out := make([]*Host, len(refs))
	for i := range refs {
		out[i] = refs[i].h
	}
	return out
}

// Selected returns the clusters with at least one host that passes the filter (what -o json
// prints, as istioctl does).
func (c *Clusters) Selected(f EndpointFilter) []ClusterStatus {
	var out []ClusterStatus
	for _, cs := range c.Statuses {
		for j := range cs.Hosts {
			if f.MatchHost(&cs.Hosts[j]) {
				out = append(out, cs)
				break
			}
		}
	}
	return out
}

// ParseEndpointsInput reads what the endpoints view accepts: /clusters?format=json (returned as
// Clusters) or a /config_dump or static config (returned as a Dump, whose EDS section the view shows).
func ParseEndpointsInput(data []byte) (*Clusters, *Dump, error) {
	if f, r, err := detect(data); err == nil && f == FormatClusters {
		c, err := readClusters(data, r)
		return c, nil, err
	}
	d, err := ParseInput(data)
	return nil, d, err
}

// ParseClusters reads /clusters?format=json output. Anything else (a /config_dump, other JSON,
// YAML, text) is an error saying it is not that output.
func ParseClusters(data []byte) (*Clusters, error) {
	f, r, err := detect(data)
	var ie *InputError
	switch {
	case errors.As(err, &ie) && ie.notConfig:
		what := strings.TrimPrefix(ie.Msg, "input is ")
		switch {
		case strings.HasPrefix(what, "JSON without"):
			what = `JSON without "cluster_statuses"`
		case strings.HasPrefix(what, "JSON array"):
			what = `a JSON array (want an object with "cluster_statuses")`
		}
		return nil, inputErrorf("input is not /clusters?format=json output: %s", what)
	case err != nil:
		return nil, err
	case f == FormatConfigDump:
		return nil, inputErrorf("input is a /config_dump, not /clusters?format=json output")
	}
	return readClusters(data, r)
}

// readClusters reads cluster_statuses (r is at it) one cluster at a time: a document cut short
// keeps the clusters that are complete.
func readClusters(data []byte, r *jsonscan.Lazy) (*Clusters, error) {
	if k := r.Peek().Kind(); k != jsonscan.Array {
		return nil, inputErrorf("\"cluster_statuses\" is a JSON %s, want an array of clusters", k)
	}
	list, err := r.Enter()
	if err != nil {
		return nil, err
	}
	// room for a cluster per 800 bytes (Envoy writes more per cluster): capacity never used is
	// never touched, and growing the slice would copy it several times
	c := &Clusters{Statuses: make([]ClusterStatus, 0, len(data)/800+16)}
	var scratch jsonscan.Scratch // each cluster is read in one scan, then navigated in O(1) steps
	for list.Next() {
		v, err := list.ValueScratch(&scratch)
		if err != nil {
			break
		}
		if v.Kind() == jsonscan.Object {
			cs := readClusterStatus(v)
			cs.Raw = jsonscan.Detach(v)
			c.Statuses = append(c.Statuses, cs)
		}
	}
	if err := list.Err(); err != nil {
		if len(c.Statuses) == 0 {
			return nil, syntaxProblem(len(data), err, "no complete cluster to show")
		}
		c.Partial = syntaxProblem(len(data), err, fmt.Sprintf("showing the %d complete cluster(s)", len(c.Statuses))).Error()
	}
	return c, nil
}

func readClusterStatus(v jsonscan.Value) ClusterStatus {
	cs := ClusterStatus{Raw: v}
	var hosts jsonscan.Value
	_ = v.Fields(func(k []byte, f jsonscan.Value) bool {
		switch {
		case jsonscan.KeyIs(k, "name"):
			cs.Name = f.Str()
		case jsonscan.KeyIs(k, "added_via_api"):
			cs.AddedViaAPI = f.Bool()
		case jsonscan.KeyIs(k, "host_statuses"):
			hosts = f
		}
		return true
	})
	cs.Hosts = make([]Host, 0, hosts.Len())
	_ = hosts.Items(func(_ int, h jsonscan.Value) bool {
		cs.Hosts = append(cs.Hosts, readHost(cs.Name, h))
		return true
	})
	return cs
}

func readHost(cluster string, v jsonscan.Value) Host {
	h := Host{Cluster: cluster, Status: "UNKNOWN"}
	_ = v.Fields(func(k []byte, f jsonscan.Value) bool {
		switch {
		case jsonscan.KeyIs(k, "address"):
			h.Address = readAddress(f)
		case jsonscan.KeyIs(k, "health_status"):
			readHostHealth(&h, f)
		case jsonscan.KeyIs(k, "weight"):
			h.Weight = uint32Of(f)
		case jsonscan.KeyIs(k, "priority"):
			h.Priority = uint32Of(f)
		case jsonscan.KeyIs(k, "locality"):
			h.Locality = readLocality(f)
		case jsonscan.KeyIs(k, "hostname"):
			h.Hostname = f.Str()
		}
		return true
	})
	return h
}

func readHostHealth(h *Host, v jsonscan.Value) {
	_ = v.Fields(func(k []byte, f jsonscan.Value) bool {
		switch {
		case jsonscan.KeyIs(k, "eds_health_status"):
			h.Status = healthStatus(f)
		case jsonscan.KeyIs(k, "failed_outlier_check"):
			h.FailedOutlierCheck = f.Bool()
		default:
			for _, name := range hostFlags {
				if jsonscan.KeyIs(k, name) && f.Bool() {
					h.Flags = append(h.Flags, name)
				}
			}
		}
		return true
	})
}

func uint32Of(v jsonscan.Value) uint32 {
	n, ok := v.Int()
	if !ok || n < 0 || n > 1<<32-1 {
		return 0
	}
	return uint32(n)
}
