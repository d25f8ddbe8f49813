package analyze

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"github.com/xdsctl/xdsctl/internal/jsonscan"
	"github.com/xdsctl/xdsctl/pkg/configdump"
)

// Network filters whose references analyze follows.
const (
	filterHCM      = "envoy.filters.network.http_connection_manager"
	filterTCPProxy = "envoy.filters.network.tcp_proxy"
)

// checkListeners follows each listener's references (route configurations, clusters, secrets),
// checks its inline route configurations, its filter chain matches, and that no two listeners
// bind one address.
func (a *analyzer) checkListeners() {
	if len(a.listeners) > 0 && a.routeNames == nil && a.anyRDS() && !a.in.Static {
		a.note("the dump has no routes section: references to route configurations are not checked")
	}
	binds := map[string]string{} // protocol/address:port -> listener name
	for i := range a.listeners {
		l := &a.listeners[i]
		if !l.Raw.Exists() || l.State == configdump.StateDraining {
			continue
		}
		a.checkListener(l)
		for _, key := range bindKeys(l.Raw) {
			if prev, ok := binds[key]; ok && prev != l.Name {
				a.add(DuplicateAddress, Resource{Kind: KindListener, Name: l.Name},
					"listeners %q and %q both bind %s", prev, l.Name, strings.TrimPrefix(key, "TCP/"))
				continue
			}
			binds[key] = l.Name
		}
	}
}

// anyRDS tells whether a listener uses RDS, so the note about a missing routes section is said
// only when it matters.
func (a *analyzer) anyRDS() bool {
	for i := range a.listeners {
		if bytes.Contains(a.listeners[i].Raw.Raw(), []byte("route_config_name")) || bytes.Contains(a.listeners[i].Raw.Raw(), []byte("routeConfigName")) {
			return true
		}
	}
	return false
}

// bindKeys are the addresses a listener binds ("TCP/10.0.0.1:80"): none when it does not bind
// (bind_to_port false, an internal listener, a pipe, port 0).
func bindKeys(l jsonscan.Value) []string {
	if b := l.Get("bind_to_port"); b.Exists() && !boolValue(b) {
		return nil
	}
	if b := l.Get("deprecated_v1", "bind_to_port"); b.Exists() && !boolValue(b) {
		return nil
	}
	var keys []string
	add := func(addr jsonscan.Value) {
		sa := addr.Get("socket_address")
		if !sa.Exists() {
			return
		}
		port, _ := sa.Get("port_value").Int()
		if port == 0 {
			return
		}
		proto := sa.Get("protocol").Text()
		if proto == "" {
			proto = "TCP"
		}
		keys = append(keys, proto+"/"+sa.Get("address").Str()+":"+strconv.FormatInt(port, 10))
	}
	add(l.Get("address"))
	_ = l.Get("additional_addresses").Items(func(_ int, e jsonscan.Value) bool {
		add(e.Get("address"))
		return true
	})
	return keys
}

// boolValue reads a bool written plainly or as a BoolValue wrapper ({"value": false}).
func boolValue(v jsonscan.Value) bool {
	if v.Kind() == jsonscan.Object {
		return v.Get("value").Bool()
	}
	return v.Bool()
}

// checkListener checks one listener's filter chains. (Identical filter chain matches, which Envoy
// rejects, are pkg/validate's to find: see checkSchema.)
func (a *analyzer) checkListener(l *configdump.Listener) {
	i := 0
	_ = l.Raw.Get("filter_chains").Items(func(_ int, c jsonscan.Value) bool {
		n := c.Get("name").Str()
		a.checkChain(l.Name, chainPath(i, n), chainLabel(i, n), c)
		i++
		return true
	})
	if dc := l.Raw.Get("default_filter_chain"); dc.Exists() {
		n := dc.Get("name").Str()
		a.checkChain(l.Name, chainPath(-1, n), chainLabel(-1, n), dc)
	}
}

// checkChain follows the references of one filter chain: its transport socket's secrets, its
// HTTP connection manager's route configuration (or inline routes), its tcp_proxy's clusters.
func (a *analyzer) checkChain(listener, path, label string, c jsonscan.Value) {
	res := Resource{Kind: KindListener, Name: listener, Path: path}
	a.checkOutboundPolicy(listener, path, c)
	a.secretRefs(res, fmt.Sprintf("%s of listener %q", label, listener), c.Get("transport_socket"))
	a.secretRefs(res, fmt.Sprintf("%s of listener %q", label, listener), c.Get("tls_context"))
	_ = c.Get("filters").Items(func(_ int, f jsonscan.Value) bool {
		name := f.Get("name").Str()
		cfg := f.Get("typed_config")
		if !cfg.Exists() {
			cfg = f.Get("config") // v2: a Struct
		}
		if t := cfg.Get("@type").Str(); strings.HasSuffix(t, "udpa.type.v1.TypedStruct") || strings.HasSuffix(t, "xds.type.v3.TypedStruct") {
			cfg = cfg.Get("value")
		}
		t := cfg.Get("@type").Str()
		switch {
		case name == filterHCM || strings.HasSuffix(t, ".HttpConnectionManager") || name == "envoy.http_connection_manager":
			a.checkHCM(res, listener, path, label, cfg)
		case name == filterTCPProxy || strings.HasSuffix(t, ".TcpProxy") || name == "envoy.tcp_proxy":
			a.checkTCPProxy(res, listener, label, cfg)
		}
		return true
	})
}

func (a *analyzer) checkHCM(res Resource, listener, path, label string, hcm jsonscan.Value) {
	if rds := hcm.Get("rds"); rds.Exists() {
		name := rds.Get("route_config_name").Str()
		a.reference(RouteConfigMissing, a.routeNames, res,
			fmt.Sprintf("the HTTP connection manager of %s of listener %q uses", label, listener), "route configuration", name)
		return
	}
	if rc := hcm.Get("route_config"); rc.Exists() {
		a.checkRouteConfig(res, path+"/", fmt.Sprintf("the inline route configuration of %s of listener %q", label, listener), rc)
	}
}

func (a *analyzer) checkTCPProxy(res Resource, listener, label string, tp jsonscan.Value) {
	subject := fmt.Sprintf("tcp_proxy of %s of listener %q sends to", label, listener)
	if c := tp.Get("cluster"); c.Exists() {
		a.reference(TCPProxyClusterMissing, a.clusterNames, res, subject, "cluster", c.Str())
	}
	_ = tp.Get("weighted_clusters", "clusters").Items(func(_ int, w jsonscan.Value) bool {
		a.reference(TCPProxyClusterMissing, a.clusterNames, res, subject, "weighted cluster", w.Get("name").Str())
		return true
	})
}

// chainLabel names a filter chain in messages: `filter chain 2 "name"`, or the default one.
func chainLabel(i int, name string) string {
	s := "filter chain " + strconv.Itoa(i)
	if i < 0 {
		s = "the default filter chain"
	}
	if name != "" {
		s += " " + quote(name)
	}
	return s
}
