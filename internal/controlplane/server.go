// Package controlplane is the bundled xDS control plane: an ADS server (SotW and delta) built on
// go-control-plane's snapshot cache, serving the resources of a snapshot file, with the NACK guard,
// per-connection sync tracking and a CSDS server on the same gRPC port.
//
// A test or a demo starts one on a free loopback port, pushes config and reads what each client
// did with it:
//
//	cfg, _ := snapshot.Parse("inline", yamlBytes)
//	cp, _ := controlplane.Start(controlplane.Options{Config: cfg}) // 127.0.0.1:0
//	defer cp.Close()
//	// point clients at cp.Addr(); later:
//	_ = cp.Push(newCfg)
//	conn, _ := cp.Tracker().Node("sidecar-1")          // per type: status, nonces, versions, errors
//	resp, _ := controlplane.ClientStatus(cp.Tracker(), controlplane.NodeRequest("sidecar-1")) // CSDS
package controlplane

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	clusterservice "github.com/envoyproxy/go-control-plane/envoy/service/cluster/v3"
	discovery "github.com/envoyproxy/go-control-plane/envoy/service/discovery/v3"
	endpointservice "github.com/envoyproxy/go-control-plane/envoy/service/endpoint/v3"
	listenerservice "github.com/envoyproxy/go-control-plane/envoy/service/listener/v3"
	routeservice "github.com/envoyproxy/go-control-plane/envoy/service/route/v3"
	secretservice "github.com/envoyproxy/go-control-plane/envoy/service/secret/v3"
	statusv3 "github.com/envoyproxy/go-control-plane/envoy/service/status/v3"
	cachev3 "github.com/envoyproxy/go-control-plane/pkg/cache/v3"
	"github.com/envoyproxy/go-control-plane/pkg/server/config"
	serverv3 "github.com/envoyproxy/go-control-plane/pkg/server/v3"
	"google.golang.org/grpc"
	"google.golang.org/grpc/keepalive"

	"github.com/xdsctl/xdsctl/internal/controlplane/snapshot"
	"github.com/xdsctl/xdsctl/internal/controlplane/tracker"
	"github.com/xdsctl/xdsctl/internal/controlplane/xdsres"
)

// DefaultListen is where `xdsctl controlplane serve` listens unless told otherwise.
const DefaultListen = "127.0.0.1:18000"

// Options configure a Server.
type Options struct {
	// Config is served from the start; nil serves nothing until the first Push.
	Config *snapshot.Config
	// Listen is the address Start listens on; "" means 127.0.0.1:0 (a free loopback port).
	Listen string
	// Log receives one line per push, reload and error; nil discards.
	Log io.Writer
	// Now is the clock of the tracker (time.Now when nil).
	Now func() time.Time
	// DisableNACKGuard lets go-control-plane re-send a rejected snapshot at once (the NACK storm).
	// For demonstrations and tests of the guard only.
	DisableNACKGuard bool
}

// Server is the control plane. Create it with New and Serve it, or Start it.
type Server struct {
	cache   cachev3.SnapshotCache
	tracker *tracker.Tracker
	xds     serverv3.Server
	grpc    *grpc.Server
	log     io.Writer
	now     func() time.Time

	mu       sync.Mutex
	cfg      *snapshot.Config
	known    map[string]bool // node ids that have a snapshot in the cache
	pushes   int
	pushedAt time.Time

	cancel   context.CancelFunc
	lis      net.Listener
	served   chan struct{} // closed when Serve returned (Start only)
	stopOnce sync.Once
}

// New returns a control plane serving opts.Config; call Serve to accept connections.
func New(opts Options) *Server {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Log == nil {
		opts.Log = io.Discard
	}
	cfg := opts.Config
	if cfg == nil {
		cfg = snapshot.Empty()
	}
	s := &Server{
		// Not in ADS mode: go-control-plane's ADS mode answers an EDS or RDS request only when it
		// names every resource of the type in the snapshot, so a client asking for some of them
		// (every gRPC client, every Envoy that needs a subset) would never get an answer.
		cache:   cachev3.NewSnapshotCache(false, cachev3.IDHash{}, quietLogger{w: opts.Log}),
		tracker: tracker.New(opts.Now),
		log:     opts.Log,
		now:     opts.Now,
		cfg:     cfg,
		known:   map[string]bool{},
	}
	if opts.DisableNACKGuard {
		s.tracker.DisableNACKGuard()
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	cb := &callbacks{Tracker: s.tracker, ensure: s.ensureNode}
	s.xds = serverv3.NewServer(ctx, s.cache, cb, config.DeactivateLegacyWildcardForTypes(xdsres.NamedOnlyTypes))
	s.grpc = grpc.NewServer(
		grpc.MaxConcurrentStreams(1<<16),
		grpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{MinTime: 5 * time.Second, PermitWithoutStream: true}),
	)
	discovery.RegisterAggregatedDiscoveryServiceServer(s.grpc, s.xds)
	clusterservice.RegisterClusterDiscoveryServiceServer(s.grpc, s.xds)
	endpointservice.RegisterEndpointDiscoveryServiceServer(s.grpc, s.xds)
	listenerservice.RegisterListenerDiscoveryServiceServer(s.grpc, s.xds)
	routeservice.RegisterRouteDiscoveryServiceServer(s.grpc, s.xds)
	secretservice.RegisterSecretDiscoveryServiceServer(s.grpc, s.xds)
	statusv3.RegisterClientStatusDiscoveryServiceServer(s.grpc, &csds{tracker: s.tracker})
	return s
}

// Start listens on opts.Listen (a free loopback port when empty) and serves in the background
// until Close.
func Start(opts Options) (*Server, error) {
	addr := opts.Listen
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	lis, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	s := New(opts)
	s.lis = lis
	s.served = make(chan struct{})
	go func() {
		defer close(s.served)
		_ = s.grpc.Serve(lis)
	}()
	return s, nil
}

// Addr is the address Start listens on ("" for a Server that was not started with Start).
func (s *Server) Addr() string {
	if s.lis == nil {
		return ""
	}
	return s.lis.Addr().String()
}

// Close stops a Server made by Start: every stream ends and the listener closes.
func (s *Server) Close() {
	s.Stop()
	if s.served != nil {
		<-s.served
	}
}

// Tracker returns the sync tracker (what was sent and answered, per connection and type).
func (s *Server) Tracker() *tracker.Tracker { return s.tracker }

// Config returns the config being served.
func (s *Server) Config() *snapshot.Config {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cfg
}

// Pushes returns how many times config was pushed since the start.
func (s *Server) Pushes() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pushes
}

// Serve serves xDS and CSDS on lis until ctx is done, then stops (gracefully for up to 2 s).
func (s *Server) Serve(ctx context.Context, lis net.Listener) error {
	errc := make(chan error, 1)
	go func() { errc <- s.grpc.Serve(lis) }()
	select {
	case err := <-errc:
		s.cancel()
		return err
	case <-ctx.Done():
	}
	s.Stop()
	<-errc
	return nil
}

// Stop ends every stream and closes the listener.
func (s *Server) Stop() {
	s.stopOnce.Do(func() {
		s.cancel() // ends the xDS stream loops, so GracefulStop does not wait for clients
		done := make(chan struct{})
		go func() {
			s.grpc.GracefulStop()
			close(done)
		}()
		select {
		case <-done:
		case <-time.After(2 * time.Second):
			s.grpc.Stop()
			<-done
		}
	})
}

// ensureNode gives a node its snapshot the first time it asks (called before the cache sees the
// request, so the first request is answered at once).
func (s *Server) ensureNode(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.known[id] {
		return
	}
	s.known[id] = true
	if err := s.cache.SetSnapshot(context.Background(), id, s.cfg.ForNode(id)); err != nil {
		fmt.Fprintf(s.log, "set snapshot for node %q: %v\n", id, err)
	}
}

// Push serves cfg from now on: every node that connected so far gets its new snapshot (types
// whose version did not change are not resent).
func (s *Server) Push(cfg *snapshot.Config) error {
	if cfg == nil {
		return errors.New("push: no config")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cfg = cfg
	s.pushes++
	s.pushedAt = s.now()
	var errs []error
	for id := range s.known {
		if err := s.cache.SetSnapshot(context.Background(), id, cfg.ForNode(id)); err != nil {
			errs = append(errs, fmt.Errorf("node %q: %w", id, err))
		}
	}
	return errors.Join(errs...)
}

// callbacks adds snapshot provisioning in front of the tracker.
type callbacks struct {
	*tracker.Tracker
	ensure func(id string)
}

func (c *callbacks) OnStreamRequest(id int64, req *discovery.DiscoveryRequest) error {
	if n := req.GetNode(); n != nil {
		c.ensure(n.GetId())
	}
	return c.Tracker.OnStreamRequest(id, req)
}

func (c *callbacks) OnStreamDeltaRequest(id int64, req *discovery.DeltaDiscoveryRequest) error {
	if n := req.GetNode(); n != nil {
		c.ensure(n.GetId())
	}
	return c.Tracker.OnStreamDeltaRequest(id, req)
}

// quietLogger drops go-control-plane's debug, info and warning lines (its warnings are normal
// flow, such as an EDS request naming a cluster the snapshot lacks) and keeps errors.
type quietLogger struct{ w io.Writer }

func (quietLogger) Debugf(string, ...any) {}
func (quietLogger) Infof(string, ...any)  {}
func (quietLogger) Warnf(string, ...any)  {}
func (l quietLogger) Errorf(format string, args ...any) {
	fmt.Fprintf(l.w, "control plane: "+format+"\n", args...)
}
