package configdump

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/xdsctl/xdsctl/internal/jsonscan"
)

// RouteConfig is one route configuration (RDS resource or static), with its routes flattened.
type RouteConfig struct {
	Name         string        `json:"name"`
	VirtualHosts []VirtualHost `json:"virtualHosts"`
	Meta
	Raw jsonscan.Value `json:"-"`
}

// VirtualHost is one virtual host of a route configuration.
type VirtualHost struct {
	Name    string   `json:"name"`
	Domains []string `json:"domains"`
	Routes  []Route  `json:"routes"`
}

// Route is one route: what it matches and where it goes.
type Route struct {
	Name           string `json:"name,omitempty"`
	Match          string `json:"match"`
	Cluster        string `json:"cluster,omitempty"`
	VirtualService string `json:"virtualService,omitempty"`
	Passthrough    bool   `json:"passthrough,omitempty"`
}

// RouteFilter selects route configurations by exact name, as istioctl's --name does.
type RouteFilter struct {
	Name string
}

// Match tells whether r passes the filter.
func (f RouteFilter) Match(r *RouteConfig) bool { return f.Name == "" || f.Name == r.Name }

// Routes returns the dump's route configurations, dynamic then static, ordered as istioctl
// orders them (numeric names ascending; its comparison leaves other names where they are).
func (d *Dump) Routes() ([]RouteConfig, error) {
	sec, ok := d.Section(SectionRoutes)
	if !ok {
		return nil, fmt.Errorf("%w: the dump has no routes (RoutesConfigDump)", ErrNoSection)
	}
	var dynamic, static []RouteConfig
	err := sec.Fields(func(k []byte, v jsonscan.Value) bool {
		state := ""
		switch {
		case jsonscan.KeyIs(k, "dynamic_route_configs"):
			state = StateActive
		case jsonscan.KeyIs(k, "static_route_configs"):
			state = StateStatic
		default:
			return true
		}
		_ = eachDynamic(v, "route_config", state, func(it dynamicItem) {
			rc := RouteConfig{Name: it.Name}
			if it.Res.Exists() {
				rc = readRouteConfig(it.Res)
			}
			rc.Meta = it.Meta
			if state == StateActive {
				dynamic = append(dynamic, rc)
			} else {
				static = append(static, rc)
			}
		})
		return true
	})
	if err != nil {
		return nil, fmt.Errorf("read routes: %w", err)
	}
	out := append(dynamic, static...)
	// istioctl's order: numeric names compared as numbers, any other pair compares "not less".
	// Reproduced with the same algorithm so the tables match; the result is deterministic.
	sort.Slice(out, func(i, j int) bool {
		a, err := strconv.Atoi(out[i].Name)
		if err != nil {
			return false
		}
		b, err := strconv.Atoi(out[j].Name)
		if err != nil {
			return false
		}
		return a < b
	})
	return out, nil
}

func readRouteConfig(v jsonscan.Value) RouteConfig {
	rc := RouteConfig{Raw: v}
	_ = v.Fields(func(k []byte, f jsonscan.Value) bool {
		switch {
		case jsonscan.KeyIs(k, "name"):
			rc.Name = f.Str()
		case jsonscan.KeyIs(k, "virtual_hosts"):
			_ = f.Items(func(_ int, vh jsonscan.Value) bool {
				rc.VirtualHosts = append(rc.VirtualHosts, readVirtualHost(vh))
				return true
			})
		}
		return true
	})
	return rc
}

func readVirtualHost(v jsonscan.Value) VirtualHost {
	vh := VirtualHost{}
	_ = v.Fields(func(k []byte, f jsonscan.Value) bool {
		switch {
		case jsonscan.KeyIs(k, "name"):
			vh.Name = f.Str()
		case jsonscan.KeyIs(k, "domains"):
			vh.Domains = f.Strings()
		case jsonscan.KeyIs(k, "routes"):
			_ = f.Items(func(_ int, r jsonscan.Value) bool {
				vh.Routes = append(vh.Routes, readRoute(r))
				return true
			})
		}
		return true
	})
	return vh
}

func readRoute(v jsonscan.Value) Route {
	r := Route{}
	_ = v.Fields(func(k []byte, f jsonscan.Value) bool {
		switch {
		case jsonscan.KeyIs(k, "name"):
			r.Name = f.Str()
		case jsonscan.KeyIs(k, "match"):
			r.Match = describeMatch(f)
		case jsonscan.KeyIs(k, "route"):
			r.Cluster = f.Get("cluster").Str()
			r.Passthrough = r.Cluster == "PassthroughCluster"
		case jsonscan.KeyIs(k, "metadata"):
			r.VirtualService = describeManagement(f)
		}
		return true
	})
	return r
}

// describeManagement names the Istio config a route came from, as istioctl does: "name.namespace"
// for networking.istio.io paths, "<unknown>" for other config paths.
func describeManagement(meta jsonscan.Value) string {
	cfg := meta.Get("filter_metadata", "istio", "config")
	if !cfg.Exists() {
		return ""
	}
	path := cfg.Str()
	if strings.HasPrefix(path, "/apis/networking.istio.io/") {
		p := strings.Split(path, "/")
		if len(p) != 8 || p[4] != "namespaces" {
			return ""
		}
		return p[7] + "." + p[5]
	}
	return "<unknown>"
}

// DescribeDomains shortens a virtual host's domains as istioctl does: the first two without a
// port (dropping the .svc and .svc.cluster.local spellings of a name also present short), then "+ N more...".
func DescribeDomains(domains []string) string {
	if len(domains) == 0 {
		return ""
	}
	if len(domains) == 1 {
		return domains[0]
	}
	var noPort []string
	for _, d := range domains {
		if !strings.Contains(d, ":") {
			noPort = append(noPort, d)
		} else if strings.Count(d, ":") > 2 && strings.HasSuffix(d, "]") {
			noPort = append(noPort, d)
		}
	}
	noPort = unexpandDomains(noPort)
	const show = 2
	if len(noPort) > show {
		return fmt.Sprintf("%s + %d more...", strings.Join(noPort[:show], ", "), len(noPort)-show)
	}
	return strings.Join(noPort, ", ")
}

func unexpandDomains(domains []string) []string {
	unique := make(map[string]bool, len(domains))
	for _, d := range domains {
		unique[d] = true
	}
	drop := map[string]bool{}
	for _, h := range domains {
		if s := strings.TrimSuffix(h, ".svc.cluster.local"); s != h && unique[s] {
			drop[h] = true
		}
		if s := strings.TrimSuffix(h, ".svc"); s != h && unique[s] {
			drop[h] = true
		}
	}
	out := make([]string, 0, len(domains))
	for _, h := range domains {
		if !drop[h] {
			out = append(out, h)
		}
	}
	return out
}
