package emulator

import (
	"fmt"
	"net"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	adminv3 "github.com/envoyproxy/go-control-plane/envoy/admin/v3"
	bootstrapv3 "github.com/envoyproxy/go-control-plane/envoy/config/bootstrap/v3"
	clusterv3 "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	endpointv3 "github.com/envoyproxy/go-control-plane/envoy/config/endpoint/v3"
	"github.com/envoyproxy/go-control-plane/pkg/resource/v3"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/xdsctl/xdsctl/internal/adminemu"
	"github.com/xdsctl/xdsctl/internal/controlplane/xdsres"
)

// xdsClusterName is the bootstrap's static cluster that points at the control plane.
const xdsClusterName = "xds-grpc"

// AdminHandler is the emulated admin API: /config_dump, /clusters, /server_info, /ready,
// /logging. It answers like Envoy's for what the emulator knows; the rest of Envoy's admin API
// is not emulated (404 with the list of what is).
func (s *Sidecar) AdminHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/config_dump", s.handleConfigDump)
	mux.HandleFunc("/clusters", s.handleClusters)
	mux.HandleFunc("/server_info", s.handleServerInfo)
	mux.HandleFunc("/ready", s.handleReady)
	mux.HandleFunc("/logging", s.handleLogging)
	mux.HandleFunc("/emulator/hold_acks", s.handleHoldACKs)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=UTF-8")
		if r.URL.Path != "/" && r.URL.Path != "/help" {
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprintf(w, "invalid path. ")
		}
		fmt.Fprint(w, adminHelp)
	})
	return mux
}

const adminHelp = `admin commands are (this is xdsctl's emulated Envoy sidecar, not Envoy):
  /: print this help
  /clusters: upstream cluster status (?format=json)
  /config_dump: dump current Envoy configs (?include_eds)
  /emulator/hold_acks: hold (POST ?hold=true) or release (?hold=false) ACKs; emulator only, not in Envoy
  /help: print this help
  /logging: query/change logging levels (POST ?level=<level> or ?<logger>=<level>)
  /ready: print server state, return 200 if LIVE, otherwise return 503
  /server_info: print server version/status information
`

// ConfigDump is the sidecar's config as Envoy's /config_dump shows it: bootstrap, clusters,
// listeners, scoped routes, routes, secrets, and endpoints with includeEDS.
func (s *Sidecar) ConfigDump(includeEDS bool) *adminv3.ConfigDump {
	now := s.opts.Now()
	s.mu.Lock()
	d := s.store.dump(now, s.opts.InitialFetchTimeout)
	s.mu.Unlock()
	d.Bootstrap = &adminv3.BootstrapConfigDump{Bootstrap: s.bootstrap(), LastUpdated: timestamppb.New(s.started)}
	if a, err := anypb.New(s.xdsCluster()); err == nil {
		d.StaticClusters = []*anypb.Any{a}
	}
	if a, err := anypb.New(s.xdsCluster().GetLoadAssignment()); err == nil {
		d.StaticEndpoints = []*anypb.Any{a}
	}
	d.StaticUpdated = s.started
	return d.ConfigDump(includeEDS)
}

// handleConfigDump answers /config_dump from the whole dump, filtered as Envoy filters it
// (?include_eds, ?resource=, ?mask=: adminemu.ConfigDump, shared with the server of saved dumps).
func (s *Sidecar) handleConfigDump(w http.ResponseWriter, r *http.Request) {
	b, err := xdsres.MarshalJSON(s.ConfigDump(true))
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	status, body := adminemu.ConfigDump(b, r.URL.Query())
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func writeProto(w http.ResponseWriter, m proto.Message) {
	b, err := xdsres.MarshalJSON(m)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(b)
}

func (s *Sidecar) xdsHostPort() (string, uint32) {
	host, port, err := net.SplitHostPort(s.opts.XDS)
	if err != nil {
		return s.opts.XDS, 0
	}
	p, _ := strconv.ParseUint(port, 10, 32)
	return host, uint32(p)
}

func socketAddress(host string, port uint32) *corev3.Address {
	return &corev3.Address{Address: &corev3.Address_SocketAddress{SocketAddress: &corev3.SocketAddress{
		Address: host, PortSpecifier: &corev3.SocketAddress_PortValue{PortValue: port},
	}}}
}

// xdsCluster is the bootstrap's static cluster for the control plane, as Envoy lists it.
func (s *Sidecar) xdsCluster() *clusterv3.Cluster {
	host, port := s.xdsHostPort()
	return &clusterv3.Cluster{
		Name:                 xdsClusterName,
		ClusterDiscoveryType: &clusterv3.Cluster_Type{Type: clusterv3.Cluster_STATIC},
		ConnectTimeout:       durationpb.New(time.Second),
		LoadAssignment: &endpointv3.ClusterLoadAssignment{
			ClusterName: xdsClusterName,
			Endpoints: []*endpointv3.LocalityLbEndpoints{{LbEndpoints: []*endpointv3.LbEndpoint{{
				HostIdentifier: &endpointv3.LbEndpoint_Endpoint{Endpoint: &endpointv3.Endpoint{Address: socketAddress(host, port)}},
			}}}},
		},
	}
}

func (s *Sidecar) bootstrap() *bootstrapv3.Bootstrap {
	api := corev3.ApiConfigSource_GRPC
	if s.opts.Delta {
		api = corev3.ApiConfigSource_DELTA_GRPC
	}
	ads := &corev3.ConfigSource{ConfigSourceSpecifier: &corev3.ConfigSource_Ads{Ads: &corev3.AggregatedConfigSource{}}, ResourceApiVersion: corev3.ApiVersion_V3}
	b := &bootstrapv3.Bootstrap{
		Node: s.node,
		StaticResources: &bootstrapv3.Bootstrap_StaticResources{
			Clusters: []*clusterv3.Cluster{s.xdsCluster()},
		},
		DynamicResources: &bootstrapv3.Bootstrap_DynamicResources{
			AdsConfig: &corev3.ApiConfigSource{
				ApiType: api, TransportApiVersion: corev3.ApiVersion_V3,
				GrpcServices: []*corev3.GrpcService{{TargetSpecifier: &corev3.GrpcService_EnvoyGrpc_{EnvoyGrpc: &corev3.GrpcService_EnvoyGrpc{ClusterName: xdsClusterName}}}},
			},
			CdsConfig: ads,
			LdsConfig: ads,
		},
	}
	if s.adminLis != nil {
		host, port, _ := net.SplitHostPort(s.AdminAddr())
		p, _ := strconv.ParseUint(port, 10, 32)
		b.Admin = &bootstrapv3.Admin{Address: socketAddress(host, uint32(p))}
	}
	return b
}

// Clusters is the sidecar's /clusters?format=json: the static control plane cluster and the
// active dynamic clusters, with the hosts of their load assignments.
func (s *Sidecar) Clusters() *adminv3.Clusters {
	now := s.opts.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	out := &adminv3.Clusters{}
	add := func(c *clusterv3.Cluster, viaAPI bool) {
		st := &adminv3.ClusterStatus{Name: c.GetName(), AddedViaApi: viaAPI, ObservabilityName: c.GetName()}
		cla := c.GetLoadAssignment()
		if c.GetType() == clusterv3.Cluster_EDS {
			name := edsServiceName(c)
			st.EdsServiceName = c.GetEdsClusterConfig().GetServiceName()
			cla = nil
			if r := s.store.types[resource.EndpointType].resources[name]; r != nil {
				cla, _ = r.msg.(*endpointv3.ClusterLoadAssignment)
			}
		}
		st.HostStatuses = hostStatuses(cla)
		out.ClusterStatuses = append(out.ClusterStatuses, st)
	}
	add(s.xdsCluster(), false)
	cs := s.store.types[resource.ClusterType]
	names := make([]string, 0, len(cs.resources))
	for name, r := range cs.resources {
		if r.msg == nil || now.Before(r.added.Add(s.opts.InitialFetchTimeout)) && s.store.warming(r.msg) {
			continue
		}
		names = append(names, name)
	}
	sort.Strings(names)
	for _, n := range names {
		add(cs.resources[n].msg.(*clusterv3.Cluster), true)
	}
	return out
}

func edsServiceName(c *clusterv3.Cluster) string {
	if n := c.GetEdsClusterConfig().GetServiceName(); n != "" {
		return n
	}
	return c.GetName()
}

func hostStatuses(cla *endpointv3.ClusterLoadAssignment) []*adminv3.HostStatus {
	var out []*adminv3.HostStatus
	for _, loc := range cla.GetEndpoints() {
		for _, ep := range loc.GetLbEndpoints() {
			weight := uint32(1)
			if w := ep.GetLoadBalancingWeight(); w != nil {
				weight = w.GetValue()
			}
			out = append(out, &adminv3.HostStatus{
				Address:      ep.GetEndpoint().GetAddress(),
				Hostname:     ep.GetEndpoint().GetHostname(),
				Stats:        hostStats(),
				HealthStatus: &adminv3.HostHealthStatus{EdsHealthStatus: ep.GetHealthStatus()},
				Weight:       weight,
				Priority:     loc.GetPriority(),
				Locality:     loc.GetLocality(),
			})
		}
	}
	return out
}

func hostStats() []*adminv3.SimpleMetric {
	var out []*adminv3.SimpleMetric
	for _, n := range []string{"cx_active", "cx_connect_fail", "cx_total", "rq_active", "rq_error", "rq_success", "rq_timeout", "rq_total"} {
		t := adminv3.SimpleMetric_COUNTER
		if strings.HasSuffix(n, "_active") {
			t = adminv3.SimpleMetric_GAUGE
		}
		out = append(out, &adminv3.SimpleMetric{Type: t, Value: 0, Name: n})
	}
	return out
}

func (s *Sidecar) handleClusters(w http.ResponseWriter, r *http.Request) {
	cs := s.Clusters()
	if r.URL.Query().Get("format") == "json" {
		writeProto(w, cs)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=UTF-8")
	var b strings.Builder
	for _, c := range cs.GetClusterStatuses() {
		fmt.Fprintf(&b, "%s::observability_name::%s\n", c.GetName(), c.GetObservabilityName())
		fmt.Fprintf(&b, "%s::added_via_api::%t\n", c.GetName(), c.GetAddedViaApi())
		for _, h := range c.GetHostStatuses() {
			sa := h.GetAddress().GetSocketAddress()
			p := fmt.Sprintf("%s::%s", c.GetName(), net.JoinHostPort(sa.GetAddress(), strconv.FormatUint(uint64(sa.GetPortValue()), 10)))
			for _, st := range h.GetStats() {
				fmt.Fprintf(&b, "%s::%s::%d\n", p, st.GetName(), st.GetValue())
			}
			fmt.Fprintf(&b, "%s::hostname::%s\n", p, h.GetHostname())
			fmt.Fprintf(&b, "%s::health_flags::%s\n", p, healthFlags(h.GetHealthStatus().GetEdsHealthStatus()))
			fmt.Fprintf(&b, "%s::weight::%d\n", p, h.GetWeight())
			fmt.Fprintf(&b, "%s::region::%s\n", p, h.GetLocality().GetRegion())
			fmt.Fprintf(&b, "%s::zone::%s\n", p, h.GetLocality().GetZone())
			fmt.Fprintf(&b, "%s::sub_zone::%s\n", p, h.GetLocality().GetSubZone())
			fmt.Fprintf(&b, "%s::canary::false\n", p)
			fmt.Fprintf(&b, "%s::priority::%d\n", p, h.GetPriority())
			fmt.Fprintf(&b, "%s::success_rate::-1.0\n", p)
			fmt.Fprintf(&b, "%s::local_origin_success_rate::-1.0\n", p)
		}
	}
	_, _ = w.Write([]byte(b.String()))
}

func healthFlags(h corev3.HealthStatus) string {
	switch h {
	case corev3.HealthStatus_UNHEALTHY, corev3.HealthStatus_TIMEOUT:
		return "/failed_eds_health"
	case corev3.HealthStatus_DEGRADED:
		return "/degraded_eds_health"
	case corev3.HealthStatus_DRAINING:
		return "/eds_status_draining"
	}
	return "healthy"
}

// ServerInfo is the sidecar's /server_info.
func (s *Sidecar) ServerInfo() *adminv3.ServerInfo {
	now := s.opts.Now()
	s.mu.Lock()
	ready, _ := s.store.ready(now, s.opts.InitialFetchTimeout)
	initialized := s.store.types[resource.ClusterType].received || s.store.types[resource.ListenerType].received
	s.mu.Unlock()
	state := adminv3.ServerInfo_PRE_INITIALIZING
	switch {
	case ready:
		state = adminv3.ServerInfo_LIVE
	case initialized:
		state = adminv3.ServerInfo_INITIALIZING
	}
	up := durationpb.New(now.Sub(s.started).Truncate(time.Second))
	return &adminv3.ServerInfo{
		Version:            Version,
		State:              state,
		HotRestartVersion:  "disabled",
		UptimeCurrentEpoch: up,
		UptimeAllEpochs:    up,
		CommandLineOptions: &adminv3.CommandLineOptions{
			ServiceNode: s.opts.NodeID, ServiceCluster: s.opts.NodeCluster,
			Concurrency: 1, Mode: adminv3.CommandLineOptions_Serve, LogLevel: "info",
			DrainTime: durationpb.New(600 * time.Second), ParentShutdownTime: durationpb.New(900 * time.Second),
		},
		Node: s.node,
	}
}

// handleHoldACKs is the emulator's own endpoint (Envoy has none like it): POST ?hold=true holds
// the sidecar's answers, ?hold=false releases them; GET says whether it holds.
func (s *Sidecar) handleHoldACKs(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=UTF-8")
	if v := r.URL.Query().Get("hold"); v != "" {
		if r.Method != http.MethodPost {
			w.WriteHeader(http.StatusMethodNotAllowed)
			fmt.Fprintln(w, "This endpoint requires POST to change the hold")
			return
		}
		hold, err := strconv.ParseBool(v)
		if err != nil {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprintf(w, "error: hold=%q: want true or false\n", v)
			return
		}
		s.HoldACKs(hold)
	}
	st := s.State()
	fmt.Fprintf(w, "holding: %t\nheld responses: %d\n", st.Holding, st.Held)
}

func (s *Sidecar) handleServerInfo(w http.ResponseWriter, _ *http.Request) {
	writeProto(w, s.ServerInfo())
}

func (s *Sidecar) handleReady(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	ready, state := s.store.ready(s.opts.Now(), s.opts.InitialFetchTimeout)
	s.mu.Unlock()
	w.Header().Set("Content-Type", "text/plain; charset=UTF-8")
	if !ready {
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	fmt.Fprintln(w, state)
}

// handleLogging answers /logging as Envoy does (adminemu.Loggers, shared with the test server
// that serves saved dumps, so both emulations answer alike).
func (s *Sidecar) handleLogging(w http.ResponseWriter, r *http.Request) {
	status, body := s.loggers.Serve(r.Method, r.URL.Query())
	w.Header().Set("Content-Type", "text/plain; charset=UTF-8")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
