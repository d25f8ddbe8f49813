// Package controlplane is the bundled xDS control plane: an ADS server (SotW and delta) built on
// go-control-plane's snapshot cache, serving the resources of a snapshot file, with the NACK guard,
// per-connection sync tracking and a CSDS server on the same gRPC port.
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
	serverv3 "github.com/envoyproxy/go-control-plane/pkg/server/v3"
	"google.golang.org/grpc"
	"google.golang.org/grpc/keepalive"

	"github.com/xdsctl/xdsctl/internal/controlplane/snapshot"
	"github.com/xdsctl/xdsctl/internal/controlplane/tracker"
)

// Options configure a Server.
type Options struct {
	// Log receives one line per push, reload and error; nil discards.
	Log io.Writer
	Now func() time.Time
}

// Server is the control plane. Create it with New, then Serve.
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

	cancel context.CancelFunc
}

// New returns a control plane serving cfg.
func New(cfg *snapshot.Config, opts Options) *Server {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Log == nil {
		opts.Log = io.Discard
	}
	s := &Server{
		cache:   cachev3.NewSnapshotCache(true, cachev3.IDHash{}, quietLogger{w: opts.Log}),
		tracker: tracker.New(opts.Now),
		log:     opts.Log,
		now:     opts.Now,
		cfg:     cfg,
		known:   map[string]bool{},
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	cb := &callbacks{Tracker: s.tracker, ensure: s.ensureNode}
	s.xds = serverv3.NewServer(ctx, s.cache, cb)
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

// Tracker returns the sync tracker (what was sent and answered, per connection and type).
func (s *Server) Tracker() *tracker.Tracker { return s.tracker }

// Config returns the config being served.
func (s *Server) Config() *snapshot.Config {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cfg
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
