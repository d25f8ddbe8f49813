// Package emulator is an emulated Envoy sidecar, for demos and tests. It is not Envoy: it routes
// no traffic and its checks are a subset of Envoy's. What it does like Envoy:
//
//   - it subscribes over ADS (state of the world, or delta with Options.Delta) to clusters and
//     listeners, then to the endpoints, routes and secrets they name;
//   - it validates every response (proto constraints, unknown types, duplicate names, and the
//     checks Envoy makes when it builds a cluster or a listener) and ACKs or NACKs it, keeping the
//     valid resources of a partly rejected response as Envoy does, with Envoy-like error messages;
//   - it keeps per resource the version, last update time and the last rejected update;
//   - it serves an Envoy-compatible admin API: /config_dump (include_eds), /clusters (text and
//     ?format=json), /server_info, /ready, /logging.
//
// It can hold its answers (Options.HoldACKs, Sidecar.HoldACKs): responses are queued unprocessed,
// as by a stuck proxy, so the control plane sees the type as STALE until they are released.
//
// Start one against a control plane:
//
//	sc, err := emulator.Start(emulator.Options{XDS: cp.Addr(), NodeID: "sidecar-1", Admin: "127.0.0.1:0"})
//	defer sc.Close()
//	dump, _ := http.Get(sc.AdminURL() + "/config_dump")
package emulator

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sort"
	"sync"
	"time"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	discovery "github.com/envoyproxy/go-control-plane/envoy/service/discovery/v3"
	"github.com/xdsctl/xdsctl/internal/adminemu"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/types/known/structpb"
)

// Version is what the emulator reports as its version in /server_info and in its node's
// user_agent: it says what it is, so no tool mistakes it for an Envoy build.
const Version = "xdsctl-emulated-envoy/1.0"

// Options configure an emulated sidecar.
type Options struct {
	// XDS is the control plane's address (host:port); plaintext gRPC.
	XDS string
	// NodeID is node.id; required.
	NodeID string
	// NodeCluster is node.cluster ("emulated" when empty).
	NodeCluster string
	// Metadata becomes node.metadata: strings, or any value encoding/json decodes to (a map for
	// Istio's LABELS, an object for PROXY_CONFIG).
	Metadata map[string]any
	// Admin is the admin API's listen address ("127.0.0.1:0" for a free port); "" serves none.
	Admin string
	// HoldACKs starts the sidecar holding its answers (see Sidecar.HoldACKs).
	HoldACKs bool
	// Delta uses the incremental (delta) ADS protocol instead of state of the world.
	Delta bool
	// InitialFetchTimeout is how long a cluster waits for its endpoints, or a listener for its
	// routes, before it stops warming (Envoy's initial_fetch_timeout); 15 s when zero.
	InitialFetchTimeout time.Duration
	// RejectUnknownFields NACKs a resource carrying fields the Envoy API does not declare, as
	// Envoy started with --reject-unknown-dynamic-fields does (by default Envoy, and the
	// emulator, ignore them).
	RejectUnknownFields bool
	// Log receives one line per connection change and per NACK; nil discards.
	Log io.Writer
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

// Sidecar is a running emulated sidecar. Its methods are safe for concurrent use.
type Sidecar struct {
	opts    Options
	node    *corev3.Node
	conn    *grpc.ClientConn
	started time.Time

	cancel   context.CancelFunc
	done     chan struct{}
	adminLis net.Listener
	adminSrv *http.Server

	procMu sync.Mutex // serialises processing a response and sending its answers

	mu        sync.Mutex
	store     *store
	hold      bool
	held      []response
	send      func(request) error // the current stream's sender; nil while disconnected
	connected bool
	streams   int
	lastErr   string
	changed   chan struct{}
	loggers   *adminemu.Loggers
}

// Start connects to the control plane (retrying in the background until Close) and serves the
// admin API if asked.
func Start(opts Options) (*Sidecar, error) {
	if opts.NodeID == "" {
		return nil, errors.New("emulated sidecar: a node id is required")
	}
	if opts.XDS == "" {
		return nil, errors.New("emulated sidecar: the control plane address is required")
	}
	if opts.NodeCluster == "" {
		opts.NodeCluster = "emulated"
	}
	if opts.InitialFetchTimeout <= 0 {
		opts.InitialFetchTimeout = 15 * time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Log == nil {
		opts.Log = io.Discard
	}
	conn, err := grpc.NewClient(opts.XDS, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return nil, fmt.Errorf("emulated sidecar %q: control plane address %q: %w", opts.NodeID, opts.XDS, err)
	}
	s := &Sidecar{
		opts:    opts,
		node:    buildNode(opts),
		conn:    conn,
		started: opts.Now(),
		done:    make(chan struct{}),
		store:   newStore(opts.RejectUnknownFields),
		hold:    opts.HoldACKs,
		changed: make(chan struct{}),
		loggers: adminemu.NewLoggers(),
	}
	if opts.Admin != "" {
		lis, err := net.Listen("tcp", opts.Admin)
		if err != nil {
			conn.Close()
			return nil, fmt.Errorf("emulated sidecar %q: admin API: listen on %s: %w", opts.NodeID, opts.Admin, err)
		}
		s.adminLis = lis
		s.adminSrv = &http.Server{Handler: s.AdminHandler(), ReadHeaderTimeout: 10 * time.Second}
		go func() { _ = s.adminSrv.Serve(lis) }()
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	go func() {
		defer close(s.done)
		s.run(ctx)
	}()
	return s, nil
}

func buildNode(o Options) *corev3.Node {
	n := &corev3.Node{
		Id:                   o.NodeID,
		Cluster:              o.NodeCluster,
		UserAgentName:        "xdsctl-emulator",
		UserAgentVersionType: &corev3.Node_UserAgentVersion{UserAgentVersion: Version},
	}
	if len(o.Metadata) > 0 {
		fields := map[string]*structpb.Value{}
		for k, v := range o.Metadata {
			pv, err := structpb.NewValue(v)
			if err != nil {
				pv = structpb.NewStringValue(fmt.Sprint(v))
			}
			fields[k] = pv
		}
		n.Metadata = &structpb.Struct{Fields: fields}
	}
	return n
}

// NodeID is the sidecar's node id.
func (s *Sidecar) NodeID() string { return s.opts.NodeID }

// AdminAddr is the admin API's address ("" when it serves none).
func (s *Sidecar) AdminAddr() string {
	if s.adminLis == nil {
		return ""
	}
	return s.adminLis.Addr().String()
}

// AdminURL is the admin API's base URL, such as http://127.0.0.1:15000 ("" when it serves none).
func (s *Sidecar) AdminURL() string {
	if s.adminLis == nil {
		return ""
	}
	return "http://" + s.AdminAddr()
}

// Close disconnects and stops the admin API. It waits for the sidecar's goroutines to end.
func (s *Sidecar) Close() error {
	s.cancel()
	<-s.done
	err := s.conn.Close()
	if s.adminSrv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if e := s.adminSrv.Shutdown(ctx); e != nil {
			err = errors.Join(err, e)
		}
	}
	return err
}

// HoldACKs makes the sidecar hold (true) or release (false) its answers. While holding, each
// response is queued unprocessed — the config stays as it was and no ACK or NACK is sent — as by a
// proxy that is stuck, so the control plane shows the type as STALE. Releasing processes the
// queued responses in order and answers each.
func (s *Sidecar) HoldACKs(hold bool) {
	s.procMu.Lock()
	defer s.procMu.Unlock()
	s.mu.Lock()
	s.hold = hold
	var queued []response
	if !hold {
		queued, s.held = s.held, nil
	}
	s.mu.Unlock()
	for _, r := range queued {
		s.process(r)
	}
	s.notify()
}

// Changed returns a channel closed at the next change of the sidecar's state (a response
// received, processed or held, a connection change).
func (s *Sidecar) Changed() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.changed
}

func (s *Sidecar) notify() {
	s.mu.Lock()
	defer s.mu.Unlock()
	close(s.changed)
	s.changed = make(chan struct{})
}

// WaitFor waits until cond is true of the sidecar's state, or ctx is done.
func (s *Sidecar) WaitFor(ctx context.Context, cond func(State) bool) error {
	for {
		ch := s.Changed()
		if cond(s.State()) {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("emulated sidecar %q: %w", s.opts.NodeID, ctx.Err())
		case <-ch:
		}
	}
}

// State is a copy of what the sidecar knows, for tests and status lines.
type State struct {
	Connected bool
	Streams   int    // ADS streams opened so far (reconnections add one each)
	LastError string // why the last stream ended, if it did
	Holding   bool
	Held      int // responses queued while holding
	Types     map[string]TypeState
}

// TypeState is what the sidecar knows about one type URL.
type TypeState struct {
	Version   string // version_info of the last accepted response (SotW) or system version (delta)
	Nonce     string // nonce of the last response processed
	Names     []string
	Resources []string // accepted resources, sorted
	Rejected  []string // resources whose last update was rejected, sorted
	LastNACK  string   // the last NACK's message
	Counters  Counters
}

// Counters count, for one type, what the sidecar received and answered.
type Counters struct {
	Responses int // received (held ones included)
	ACKs      int
	NACKs     int
}

// State returns a copy of the sidecar's state.
func (s *Sidecar) State() State {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := State{Connected: s.connected, Streams: s.streams, LastError: s.lastErr, Holding: s.hold, Held: len(s.held), Types: map[string]TypeState{}}
	for url, ts := range s.store.types {
		t := TypeState{Version: ts.version, Nonce: ts.nonce, LastNACK: ts.lastNACK, Counters: ts.counters}
		t.Names = sortedSet(ts.names)
		for name, r := range ts.resources {
			if r.any != nil {
				t.Resources = append(t.Resources, name)
			}
			if r.failure != nil {
				t.Rejected = append(t.Rejected, name)
			}
		}
		sort.Strings(t.Resources)
		sort.Strings(t.Rejected)
		st.Types[url] = t
	}
	return st
}

func sortedSet(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// run keeps an ADS stream open, reconnecting with backoff, until ctx is done.
func (s *Sidecar) run(ctx context.Context) {
	backoff := 50 * time.Millisecond
	for {
		err := s.session(ctx)
		s.mu.Lock()
		s.connected = false
		s.send = nil
		if err != nil && ctx.Err() == nil {
			s.lastErr = err.Error()
		}
		s.mu.Unlock()
		s.notify()
		if ctx.Err() != nil {
			return
		}
		fmt.Fprintf(s.opts.Log, "emulated sidecar %s: ADS stream to %s ended: %v; reconnecting in %s\n", s.opts.NodeID, s.opts.XDS, err, backoff)
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 2*time.Second)
	}
}

func (s *Sidecar) session(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	client := discovery.NewAggregatedDiscoveryServiceClient(s.conn)
	if s.opts.Delta {
		return s.deltaSession(ctx, client)
	}
	return s.sotwSession(ctx, client)
}
