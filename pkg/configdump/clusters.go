package configdump

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/xdsctl/xdsctl/internal/jsonscan"
)

// Cluster is one cluster as the tables show it. Istio names clusters
// direction|port|subset|fqdn; other names are shown whole as the FQDN.
type Cluster struct {
	Name            string `json:"name"`
	FQDN            string `json:"fqdn"`
	Port            int    `json:"port,omitempty"`
	Subset          string `json:"subset,omitempty"`
	Direction       string `json:"direction,omitempty"`
	Type            string `json:"type"`
	DestinationRule string `json:"destinationRule,omitempty"`
	Meta
	Raw jsonscan.Value `json:"-"`
}

// istioKey tells whether the name is an Istio subset key (more than three '|' parts).
func (c *Cluster) istioKey() bool { _, ok := SplitIstioClusterName(c.Name); return ok }

// IsSubsetKey tells whether the name is an Istio subset key (direction|port|subset|fqdn), whose
// parts the table splits into columns.
func (c *Cluster) IsSubsetKey() bool { return c.istioKey() }

// ClusterFilter selects clusters, as istioctl's --fqdn, --port, --subset and --direction do
// (substrings of the cluster name).
type ClusterFilter struct {
	FQDN      string
	Port      int
	Subset    string
	Direction string
}

// Match tells whether c passes the filter.
func (f ClusterFilter) Match(c *Cluster) bool {
	n := c.Name
	if f.FQDN != "" && !strings.Contains(n, f.FQDN) {
		return false
	}
	if f.Direction != "" && !strings.Contains(n, f.Direction) {
		return false
	}
	if f.Subset != "" && !strings.Contains(n, f.Subset) {
		return false
	}
	if f.Port != 0 && !strings.Contains(n, "|"+strconv.Itoa(f.Port)+"|") {
		return false
	}
	return true
}

// Clusters returns the dump's clusters — dynamic active, then static, then warming and
// rejected ones — sorted as istioctl sorts them (fqdn, subset, port, direction).
func (d *Dump) Clusters() ([]Cluster, error) {
	sec, ok := d.Section(SectionClusters)
	if !ok {
		return nil, fmt.Errorf("%w: the dump has no clusters (ClustersConfigDump)", ErrNoSection)
	}
	var active, static, other []Cluster
	err := eachCluster(sec, func(it dynamicItem) {
		var c Cluster
		if it.Res.Exists() {
			c = readCluster(it.Res)
		}
		c.Meta = it.Meta
		if c.Name == "" {
			c.Name = it.Name
		}
		splitName(&c)
		switch c.State {
		case StateActive:
			active = append(active, c)
		case StateStatic:
			static = append(static, c)
		default:
			other = append(other, c)
		}
	})
	if err != nil {
		return nil, fmt.Errorf("read clusters: %w", err)
	}
	out := append(append(active, static...), other...)
	sort.Slice(out, func(i, j int) bool {
		a, b := &out[i], &out[j]
		if a.FQDN != b.FQDN {
			return a.FQDN < b.FQDN
		}
		if a.Subset != b.Subset {
			return a.Subset < b.Subset
		}
		if a.Port != b.Port {
			return a.Port < b.Port
		}
		return a.Direction < b.Direction
	})
	return out, nil
}

// eachCluster calls fn for every cluster of a ClustersConfigDump section: static, active and
// warming, and those Envoy rejected on their first arrival.
func eachCluster(sec jsonscan.Value, fn func(dynamicItem)) error {
	return sec.Fields(func(k []byte, v jsonscan.Value) bool {
		var state string
		switch {
		case jsonscan.KeyIs(k, "static_clusters"):
			state = StateStatic
		case jsonscan.KeyIs(k, "dynamic_active_clusters"):
			state = StateActive
		case jsonscan.KeyIs(k, "dynamic_warming_clusters"):
			state = StateWarming
		default:
			return true
		}
		_ = eachDynamic(v, "cluster", state, fn)
		return true
	})
}

// ClusterTypes maps each cluster's name to its discovery type (EDS, STATIC, ORIGINAL_DST, ...;
// STATIC, the proto default, when unset), reading nothing else of it: for views that only need
// to know which clusters get endpoints from EDS.
func (d *Dump) ClusterTypes() (map[string]string, error) {
	sec, ok := d.Section(SectionClusters)
	if !ok {
		return nil, fmt.Errorf("%w: the dump has no clusters (ClustersConfigDump)", ErrNoSection)
	}
	types := map[string]string{}
	err := eachCluster(sec, func(it dynamicItem) {
		name, typ := it.Name, "STATIC"
		if it.Res.Exists() {
			if n := it.Res.Get("name").Str(); n != "" {
				name = n
			}
			if t := it.Res.Get("type"); t.Exists() {
				typ = t.Text()
			}
		}
		if _, seen := types[name]; !seen {
			types[name] = typ
		}
	})
	if err != nil {
		return nil, fmt.Errorf("read clusters: %w", err)
	}
	return types, nil
}

func readCluster(v jsonscan.Value) Cluster {
	c := Cluster{Raw: v, Type: "STATIC"} // STATIC is the proto default of Cluster.type
	_ = v.Fields(func(k []byte, f jsonscan.Value) bool {
		switch {
		case jsonscan.KeyIs(k, "name"):
			c.Name = f.Str()
		case jsonscan.KeyIs(k, "type"):
			c.Type = f.Text()
		case jsonscan.KeyIs(k, "metadata"):
			c.DestinationRule = destinationRuleOf(f)
		}
		return true
	})
	return c
}

// splitName fills FQDN, port, subset and direction from an Istio cluster name.
func splitName(c *Cluster) {
	c.FQDN = c.Name
	n, ok := SplitIstioClusterName(c.Name)
	if !ok {
		return
	}
	c.Direction, c.Port, c.Subset, c.FQDN = n.Direction, n.Port, n.Subset, n.FQDN
}

// destinationRuleOf reads the Istio DestinationRule a resource came from, out of its
// metadata.filter_metadata.istio.config ("/apis/networking.istio.io/v1alpha3/namespaces/NS/destination-rule/NAME").
func destinationRuleOf(meta jsonscan.Value) string {
	return istioConfigName(meta, "destination-rule")
}

// istioConfigName turns the Istio config path in metadata into "name.namespace" (kind as in the path).
func istioConfigName(meta jsonscan.Value, kind string) string {
	path := meta.Get("filter_metadata", "istio", "config").Str()
	if path == "" {
		return ""
	}
	parts := strings.Split(path, "/")
	if len(parts) != 8 || (kind != "" && parts[6] != kind) {
		return ""
	}
	return parts[7] + "." + parts[5]
}
