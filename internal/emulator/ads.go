package emulator

import (
	"context"
	"fmt"
	"sync"

	core "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	discovery "github.com/envoyproxy/go-control-plane/envoy/service/discovery/v3"
	statuspb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/grpc/codes"
)

// sotwSession runs one state-of-the-world ADS stream until it fails or ctx is done.
func (s *Sidecar) sotwSession(ctx context.Context, client discovery.AggregatedDiscoveryServiceClient) error {
	stream, err := client.StreamAggregatedResources(ctx)
	if err != nil {
		return err
	}
	return runStream(s, stream, false, func(r request, node *core.Node) *discovery.DiscoveryRequest {
		return &discovery.DiscoveryRequest{Node: node, TypeUrl: r.typeURL, ResourceNames: r.names, VersionInfo: r.version,
			ResponseNonce: r.nonce, ErrorDetail: errorDetail(r)}
	}, sotwResponse)
}

// deltaSession runs one incremental ADS stream until it fails or ctx is done.
func (s *Sidecar) deltaSession(ctx context.Context, client discovery.AggregatedDiscoveryServiceClient) error {
	stream, err := client.DeltaAggregatedResources(ctx)
	if err != nil {
		return err
	}
	return runStream(s, stream, true, func(r request, node *core.Node) *discovery.DeltaDiscoveryRequest {
		return &discovery.DeltaDiscoveryRequest{Node: node, TypeUrl: r.typeURL, ResourceNamesSubscribe: r.subscribe,
			ResourceNamesUnsubscribe: r.unsubscribe, InitialResourceVersions: r.initial, ResponseNonce: r.nonce, ErrorDetail: errorDetail(r)}
	}, deltaResponse)
}

// adsStream is either ADS stream, state of the world or delta.
type adsStream[Req, Resp any] interface {
	Send(Req) error
	Recv() (Resp, error)
}

// runStream sends the initial requests on stream, then hands every response to the sidecar until
// the stream fails. The node goes in the first request only, as Envoy sends it.
func runStream[Req, Resp any](s *Sidecar, stream adsStream[Req, Resp], delta bool, build func(request, *core.Node) Req, convert func(Resp) response) error {
	var mu sync.Mutex
	first := true
	send := func(r request) error {
		mu.Lock()
		defer mu.Unlock()
		var node *core.Node
		if first {
			node, first = s.node, false
		}
		return stream.Send(build(r, node))
	}
	if err := s.open(send, delta); err != nil {
		return err
	}
	for {
		resp, err := stream.Recv()
		if err != nil {
			return err
		}
		s.receive(convert(resp))
	}
}

// errorDetail is what a NACK carries: the reason the update was rejected.
func errorDetail(r request) *statuspb.Status {
	if r.errMsg == "" {
		return nil
	}
	return &statuspb.Status{Code: int32(codes.InvalidArgument), Message: r.errMsg}
}

// open makes send the current stream's sender and sends the initial requests.
func (s *Sidecar) open(send func(request) error, delta bool) error {
	s.procMu.Lock()
	defer s.procMu.Unlock()
	s.mu.Lock()
	s.connected = true
	s.streams++
	s.lastErr = ""
	s.send = send
	s.held = nil // answers held on an earlier stream are void on this one
	reqs := s.store.initialRequests(delta)
	s.mu.Unlock()
	defer s.notify()
	for _, r := range reqs {
		if err := send(r); err != nil {
			return err
		}
	}
	return nil
}

// receive counts a response, then holds or processes it.
func (s *Sidecar) receive(r response) {
	s.procMu.Lock()
	defer s.procMu.Unlock()
	s.mu.Lock()
	s.store.typeOf(r.typeURL).counters.Responses++
	if s.hold {
		s.held = append(s.held, r)
		s.mu.Unlock()
		s.notify()
		return
	}
	s.mu.Unlock()
	s.process(r)
}

// process applies a response and sends the answers. The caller holds procMu.
func (s *Sidecar) process(r response) {
	s.mu.Lock()
	reqs := s.store.apply(r, s.opts.Now())
	send := s.send
	s.mu.Unlock()
	for _, q := range reqs {
		if q.errMsg != "" {
			fmt.Fprintf(s.opts.Log, "emulated sidecar %s: NACK %s nonce %s: %s\n", s.opts.NodeID, q.typeURL, q.nonce, q.errMsg)
		}
		if send != nil {
			_ = send(q) // a failed send ends the stream; Recv reports it
		}
	}
	s.notify()
}
