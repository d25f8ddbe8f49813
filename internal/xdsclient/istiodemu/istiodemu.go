// Package istiodemu is an EMULATED istiod for tests: it is not istiod. It serves what xdsctl asks
// istiod for — the ADS debug types istio.io/debug/syncz and istio.io/debug/config_dump over gRPC
// (plaintext like port 15010, or TLS with bearer-token checking like port 15012) and the older
// HTTP debug endpoint /debug/syncz (port 15014) — from proxies the test describes, in the shapes
// istiod's pilot/pkg/xds/statusgen.go and debug.go produce. Only tests import it.
package istiodemu

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	adminv3 "github.com/envoyproxy/go-control-plane/envoy/admin/v3"
	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	discoveryv3 "github.com/envoyproxy/go-control-plane/envoy/service/discovery/v3"
	statusv3 "github.com/envoyproxy/go-control-plane/envoy/service/status/v3"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// Debug type URLs (istiod's pilot/pkg/xds/statusgen.go).
const (
	TypeSyncz      = "istio.io/debug/syncz"
	TypeConfigDump = "istio.io/debug/config_dump"
)

// NotConnected is what istiod answers for a config_dump of a proxy connected to another replica.
const NotConnected = "Proxy not connected to this Pilot instance. It may be connected to another instance."

// Type URLs of the types a sidecar watches.
const (
	CDS  = "type.googleapis.com/envoy.config.cluster.v3.Cluster"
	LDS  = "type.googleapis.com/envoy.config.listener.v3.Listener"
	EDS  = "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment"
	RDS  = "type.googleapis.com/envoy.config.route.v3.RouteConfiguration"
	ECDS = "type.googleapis.com/envoy.config.core.v3.TypedExtensionConfig"
)

// Watch is the state of one type of one proxy's connection, as istiod keeps it.
type Watch struct {
	NonceSent, NonceAcked string
	LastSent              time.Time
	LastError             string
}

// Proxy is a proxy connected to the emulated istiod.
type Proxy struct {
	// ID is the proxy ID, pod.namespace.
	ID                                 string
	ClusterID, Namespace, IstioVersion string
	Labels                             map[string]string
	Watches                            map[string]Watch // type URL -> state; types not here are unwatched
	// ConfigDump is istiod's view of the proxy's config: an admin /config_dump (JSON), whose sections
	// the config_dump debug type returns.
	ConfigDump []byte
}

// Options configure the emulator.
type Options struct {
	// ID names the instance in control_plane.identifier (istiod's pod name).
	ID      string
	Version string
	Proxies []Proxy
	// TLS, when set, serves gRPC over TLS (like port 15012); nil serves plaintext (15010).
	TLS *tls.Config
	// Token, when set, must come as "authorization: Bearer <Token>" (istiod checks a Kubernetes token
	// of audience istio-ca; the emulator compares strings). TokenFunc overrides it.
	Token     string
	TokenFunc func(token string) error
	// NoSyncz makes the gRPC server answer syncz with Unimplemented (an istiod too old for it).
	NoSyncz bool
	// DebugNeedsIdentity refuses debug requests on a plaintext server, as a default istiod does on
	// port 15010 (the client has no verified identity there): the stream ends with "authentication
	// required" (istiod logs "Ensure you are connecting over TLS port and are authenticated").
	DebugNeedsIdentity bool
}

// Server is a running emulated istiod.
type Server struct {
	opts Options
	grpc *grpc.Server
	http *http.Server
	// GRPCAddr is the gRPC listener (debug types over ADS); HTTPAddr the HTTP debug listener.
	GRPCAddr, HTTPAddr string

	mu       sync.Mutex
	requests []Request
}

// Request is a debug request the emulator received.
type Request struct {
	TypeURL       string
	ResourceNames []string
	NodeID        string
	Metadata      map[string]string
	Token         string
}

// Start serves on two loopback listeners until ctx is done (or Stop).
func Start(ctx context.Context, o Options) (*Server, error) {
	s := &Server{opts: o}
	gl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	hl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		gl.Close()
		return nil, err
	}
	var gopts []grpc.ServerOption
	if o.TLS != nil {
		gopts = append(gopts, grpc.Creds(credentials.NewTLS(o.TLS)))
	}
	s.grpc = grpc.NewServer(gopts...)
	discoveryv3.RegisterAggregatedDiscoveryServiceServer(s.grpc, &ads{s: s})
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/syncz", s.httpSyncz)
	s.http = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	s.GRPCAddr, s.HTTPAddr = gl.Addr().String(), hl.Addr().String()
	go func() { _ = s.grpc.Serve(gl) }()
	go func() { _ = s.http.Serve(hl) }()
	go func() {
		<-ctx.Done()
		s.Stop()
	}()
	return s, nil
}

// Stop ends both servers.
func (s *Server) Stop() {
	s.grpc.Stop()
	_ = s.http.Close()
}

// SetProxies replaces the connected proxies (a push happened, a proxy came or went).
func (s *Server) SetProxies(ps []Proxy) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.opts.Proxies = ps
}

func (s *Server) proxies() []Proxy {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.opts.Proxies
}

// Requests returns the debug requests received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// Identifier is the control_plane.identifier istiod sends: JSON naming the instance.
func (s *Server) Identifier() string {
	b, _ := json.Marshal(map[string]any{"Component": "istiod", "ID": s.opts.ID, "Info": map[string]string{"version": s.opts.Version}})
	return string(b)
}

type ads struct {
	discoveryv3.UnimplementedAggregatedDiscoveryServiceServer
	s *Server
}

func (a *ads) StreamAggregatedResources(stream discoveryv3.AggregatedDiscoveryService_StreamAggregatedResourcesServer) error {
	token := ""
	if md, ok := metadata.FromIncomingContext(stream.Context()); ok {
		if v := md.Get("authorization"); len(v) > 0 {
			token = strings.TrimPrefix(v[0], "Bearer ")
		}
	}
	if err := a.s.checkToken(token); err != nil {
		return err
	}
	nonce := 0
	for {
		req, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if req.GetResponseNonce() != "" {
			continue // an ACK of a debug response
		}
		a.s.record(req, token)
		if a.s.opts.DebugNeedsIdentity && a.s.opts.TLS == nil {
			return errors.New("authentication required") // a generator's error: grpc-go sends it as Unknown
		}
		resp := &discoveryv3.DiscoveryResponse{TypeUrl: req.GetTypeUrl(), ControlPlane: &corev3.ControlPlane{Identifier: a.s.Identifier()}}
		switch req.GetTypeUrl() {
		case TypeSyncz:
			if a.s.opts.NoSyncz {
				return status.Error(codes.Unimplemented, "unknown type istio.io/debug/syncz")
			}
			resp.Resources, err = a.s.syncz()
		case TypeConfigDump:
			resp.Resources, err = a.s.configDump(req.GetResourceNames())
		default:
			return status.Errorf(codes.InvalidArgument, "the emulated istiod serves only debug types, not %q", req.GetTypeUrl())
		}
		if err != nil {
			return status.Error(codes.Internal, err.Error())
		}
		nonce++
		resp.Nonce = strconv.Itoa(nonce)
		if err := stream.Send(resp); err != nil {
			return err
		}
	}
}

func (s *Server) checkToken(token string) error {
	switch {
	case s.opts.TokenFunc != nil:
		if err := s.opts.TokenFunc(token); err != nil {
			return status.Error(codes.Unauthenticated, err.Error())
		}
	case s.opts.Token != "" && token != s.opts.Token:
		if token == "" {
			return status.Error(codes.Unauthenticated, "authentication failure: no bearer token")
		}
		return status.Error(codes.Unauthenticated, "authentication failure: invalid token")
	}
	return nil
}

func (s *Server) record(req *discoveryv3.DiscoveryRequest, token string) {
	r := Request{TypeURL: req.GetTypeUrl(), ResourceNames: req.GetResourceNames(), NodeID: req.GetNode().GetId(), Token: token, Metadata: map[string]string{}}
	for k, v := range req.GetNode().GetMetadata().GetFields() {
		r.Metadata[k] = v.GetStringValue()
	}
	s.mu.Lock()
	s.requests = append(s.requests, r)
	s.mu.Unlock()
}

// status applies istiod's rule (statusgen.go debugSyncStatus).
func (w Watch) status() statusv3.ConfigStatus {
	switch {
	case w.LastError != "":
		return statusv3.ConfigStatus_ERROR
	case w.NonceSent == "":
		return statusv3.ConfigStatus_NOT_SENT
	case w.NonceSent == w.NonceAcked:
		return statusv3.ConfigStatus_SYNCED
	}
	return statusv3.ConfigStatus_STALE
}

// ClientConfig is the proxy as syncz reports it: one generic_xds_config per watched type, UNKNOWN
// (shown as IGNORED) for the standard types it does not watch.
func (p Proxy) ClientConfig() (*statusv3.ClientConfig, error) {
	md := map[string]any{}
	if p.ClusterID != "" {
		md["CLUSTER_ID"] = p.ClusterID
	}
	if p.Namespace != "" {
		md["NAMESPACE"] = p.Namespace
	}
	if p.IstioVersion != "" {
		md["ISTIO_VERSION"] = p.IstioVersion
	}
	if len(p.Labels) > 0 {
		l := map[string]any{}
		for k, v := range p.Labels {
			l[k] = v
		}
		md["LABELS"] = l
	}
	st, err := structpb.NewStruct(md)
	if err != nil {
		return nil, err
	}
	cc := &statusv3.ClientConfig{Node: &corev3.Node{Id: p.ID, Metadata: st}}
	urls := []string{CDS, LDS, EDS, RDS, ECDS}
	for u := range p.Watches {
		if !contains(urls, u) {
			urls = append(urls, u)
		}
	}
	sort.Strings(urls[5:])
	for _, u := range urls {
		w, watched := p.Watches[u]
		g := &statusv3.ClientConfig_GenericXdsConfig{TypeUrl: u}
		if watched {
			g.ConfigStatus = w.status()
			if !w.LastSent.IsZero() {
				g.LastUpdated = timestamppb.New(w.LastSent)
			}
			if w.LastError != "" {
				g.ErrorState = &adminv3.UpdateFailureState{Details: w.LastError}
			}
		}
		cc.GenericXdsConfigs = append(cc.GenericXdsConfigs, g)
	}
	return cc, nil
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

func (s *Server) syncz() ([]*anypb.Any, error) {
	var out []*anypb.Any
	for _, p := range s.proxies() {
		cc, err := p.ClientConfig()
		if err != nil {
			return nil, err
		}
		a, err := anypb.New(cc)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

// configDump answers istio.io/debug/config_dump for one proxy: the sections of istiod's view of its
// config, each an Any, or the "not connected" message when the proxy is not connected here.
func (s *Server) configDump(names []string) ([]*anypb.Any, error) {
	if len(names) != 1 {
		return nil, nil // istiod logs and answers nothing
	}
	for _, p := range s.proxies() {
		if p.ID != names[0] {
			continue
		}
		var dump adminv3.ConfigDump
		if err := protojson.Unmarshal(p.ConfigDump, &dump); err != nil {
			return nil, fmt.Errorf("emulator: config dump of %s: %w", p.ID, err)
		}
		return dump.GetConfigs(), nil
	}
	return []*anypb.Any{{Value: []byte(NotConnected)}}, nil
}

// httpSyncz is istiod's older HTTP /debug/syncz: a JSON array of SyncStatus with sent and acked
// nonces per type.
func (s *Server) httpSyncz(w http.ResponseWriter, r *http.Request) {
	if s.opts.Token != "" && strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ") != s.opts.Token {
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	type syncStatus struct {
		ClusterID     string `json:"cluster_id,omitempty"`
		ProxyID       string `json:"proxy"`
		ProxyType     string `json:"proxy_type,omitempty"`
		IstioVersion  string `json:"istio_version,omitempty"`
		ClusterSent   string `json:"cluster_sent,omitempty"`
		ClusterAcked  string `json:"cluster_acked,omitempty"`
		ListenerSent  string `json:"listener_sent,omitempty"`
		ListenerAcked string `json:"listener_acked,omitempty"`
		RouteSent     string `json:"route_sent,omitempty"`
		RouteAcked    string `json:"route_acked,omitempty"`
		EndpointSent  string `json:"endpoint_sent,omitempty"`
		EndpointAcked string `json:"endpoint_acked,omitempty"`
	}
	out := []syncStatus{}
	for _, p := range s.proxies() {
		out = append(out, syncStatus{
			ClusterID: p.ClusterID, ProxyID: p.ID, ProxyType: "sidecar", IstioVersion: p.IstioVersion,
			ClusterSent: p.Watches[CDS].NonceSent, ClusterAcked: p.Watches[CDS].NonceAcked,
			ListenerSent: p.Watches[LDS].NonceSent, ListenerAcked: p.Watches[LDS].NonceAcked,
			RouteSent: p.Watches[RDS].NonceSent, RouteAcked: p.Watches[RDS].NonceAcked,
			EndpointSent: p.Watches[EDS].NonceSent, EndpointAcked: p.Watches[EDS].NonceAcked,
		})
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(out)
}
