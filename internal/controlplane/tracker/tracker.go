// Package tracker records, per xDS connection and type URL, what the bundled control plane sent
// and what the client answered, with istiod's rules (nonce based, not version based):
//
//   - a request with error_detail is a NACK: the error is kept and, through the NACK guard, the
//     control plane stays silent for that type until new config exists;
//   - an empty response_nonce is a new subscription;
//   - a response_nonce that is not the last one sent is stale and ignored (go-control-plane calls
//     OnStreamRequest before its own stale-nonce check, so the tracker repeats it);
//   - otherwise it is an ACK.
//
// The Tracker is a go-control-plane server Callbacks for SotW and delta streams.
package tracker

import (
	"context"
	"sync"
	"time"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	discovery "github.com/envoyproxy/go-control-plane/envoy/service/discovery/v3"
	serverv3 "github.com/envoyproxy/go-control-plane/pkg/server/v3"
	"google.golang.org/protobuf/types/known/anypb"

	"github.com/xdsctl/xdsctl/internal/controlplane/xdsres"
)

// Tracker is safe for concurrent use.
type Tracker struct {
	now     func() time.Time
	noGuard bool // tests only: show the NACK storm the guard prevents

	mu      sync.Mutex
	conns   map[connKey]*conn
	opened  uint64        // connections seen so far: each conn's seq
	changed chan struct{} // closed and replaced on every change
}

// connKey identifies a connection. go-control-plane numbers state-of-the-world and delta streams
// with two separate counters, so the stream id alone does not: the first SotW stream and the first
// delta stream are both stream 1.
type connKey struct {
	delta bool
	id    int64
}

var _ serverv3.Callbacks = (*Tracker)(nil)

// New returns a Tracker; now is the clock (time.Now when nil).
func New(now func() time.Time) *Tracker {
	if now == nil {
		now = time.Now
	}
	return &Tracker{now: now, conns: map[connKey]*conn{}, changed: make(chan struct{})}
}

type conn struct {
	id          int64
	delta       bool
	seq         uint64 // order in which the tracker saw the connections: the newest is the largest
	node        *corev3.Node
	connectedAt time.Time
	types       map[string]*typeState
}

type typeState struct {
	typeURL string

	requested map[string]bool // resource names subscribed to ("*" excluded)
	wildcard  bool
	seenReq   bool

	nonceSent   string
	versionSent string
	sentAt      time.Time
	outstanding map[string]bool // nonces sent and not yet ACKed or NACKed

	nonceAcked   string
	versionAcked string
	ackedAt      time.Time

	lastError    string
	errorAt      time.Time
	errorVersion string

	resources map[string]*resState

	counters Counters
}

// Counters count what happened on one type of one connection.
type Counters struct {
	Requests  int `json:"requests"` // every DiscoveryRequest, stale ones included
	Responses int `json:"responses"`
	ACKs      int `json:"acks"`
	NACKs     int `json:"nacks"`
	Stale     int `json:"stale"` // requests ignored for a stale nonce
	// ResponsesSinceNACK counts responses sent after the last NACK: with the NACK guard it stays
	// 0 until new config is pushed.
	ResponsesSinceNACK int `json:"responsesSinceNack"`
}

type resState struct {
	version string
	nonce   string
	sentAt  time.Time
	res     *anypb.Any

	ackedNonce string
	ackedAt    time.Time

	err          string
	errAt        time.Time
	errVersion   string
	errNonce     string
	ackedVersion string
}

func (t *Tracker) notifyLocked() {
	close(t.changed)
	t.changed = make(chan struct{})
}

// Changed returns a channel closed at the next change of any state.
func (t *Tracker) Changed() <-chan struct{} {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.changed
}

func (t *Tracker) typeOf(c *conn, typeURL string) *typeState {
	ts := c.types[typeURL]
	if ts == nil {
		ts = &typeState{typeURL: typeURL, requested: map[string]bool{}, outstanding: map[string]bool{}, resources: map[string]*resState{}}
		c.types[typeURL] = ts
	}
	return ts
}

func (t *Tracker) newConnLocked(id int64, delta bool) *conn {
	t.opened++
	c := &conn{id: id, delta: delta, seq: t.opened, connectedAt: t.now(), types: map[string]*typeState{}}
	t.conns[connKey{delta: delta, id: id}] = c
	return c
}

func (t *Tracker) open(id int64, delta bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.newConnLocked(id, delta)
	t.notifyLocked()
}

func (t *Tracker) close(id int64, delta bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.conns, connKey{delta: delta, id: id})
	t.notifyLocked()
}

// OnStreamOpen is a server callback.
func (t *Tracker) OnStreamOpen(_ context.Context, id int64, _ string) error {
	t.open(id, false)
	return nil
}

// OnStreamClosed is a server callback.
func (t *Tracker) OnStreamClosed(id int64, _ *corev3.Node) { t.close(id, false) }

// OnDeltaStreamOpen is a server callback.
func (t *Tracker) OnDeltaStreamOpen(_ context.Context, id int64, _ string) error {
	t.open(id, true)
	return nil
}

// OnDeltaStreamClosed is a server callback.
func (t *Tracker) OnDeltaStreamClosed(id int64, _ *corev3.Node) { t.close(id, true) }

// OnFetchRequest is a server callback (REST fetches are not tracked).
func (t *Tracker) OnFetchRequest(context.Context, *discovery.DiscoveryRequest) error { return nil }

// OnFetchResponse is a server callback.
func (t *Tracker) OnFetchResponse(*discovery.DiscoveryRequest, *discovery.DiscoveryResponse) {}

func (t *Tracker) connLocked(id int64, node *corev3.Node, delta bool) *conn {
	c := t.conns[connKey{delta: delta, id: id}]
	if c == nil { // a callback for a stream opened before the tracker saw it
		c = t.newConnLocked(id, delta)
	}
	if node != nil && c.node == nil {
		c.node = node
	}
	return c
}

// OnStreamRequest records a SotW request and applies the NACK guard: on a NACK of the last
// response, req.VersionInfo is set to the version that response carried, so go-control-plane's
// snapshot cache sees the client as up to date and parks the watch until the next snapshot,
// instead of re-sending the rejected config at once (the NACK storm, go-control-plane#962).
//
// The stale-nonce rule is the SotW server's own: once a response of the type was sent, a request
// whose response_nonce is not that response's nonce is ignored (go-control-plane drops it after
// this callback returns), so the tracker ignores it too.
func (t *Tracker) OnStreamRequest(id int64, req *discovery.DiscoveryRequest) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	defer t.notifyLocked()
	c := t.connLocked(id, req.GetNode(), false)
	ts := t.typeOf(c, req.GetTypeUrl())
	ts.counters.Requests++
	nonce := req.GetResponseNonce()
	if ts.nonceSent != "" && nonce != ts.nonceSent {
		ts.counters.Stale++
		return nil
	}
	ts.setSotwNames(req.GetResourceNames())
	if nonce == "" {
		return nil
	}
	delete(ts.outstanding, nonce)
	if req.GetErrorDetail() != nil {
		t.nackLocked(ts, nonce, req.GetErrorDetail().GetMessage())
		if !t.noGuard {
			req.VersionInfo = ts.versionSent // the NACK guard
		}
		return nil
	}
	t.ackLocked(ts, nonce, req.GetVersionInfo())
	return nil
}

// setSotwNames applies a SotW request's resource_names. An empty list is a wildcard subscription
// for the types where xdsres.LegacyWildcard says so (the first request, and every later empty one
// while it stays wildcard), and "nothing" for the others; "*" is an explicit wildcard.
func (ts *typeState) setSotwNames(names []string) {
	first := !ts.seenReq
	ts.seenReq = true
	ts.requested = map[string]bool{}
	legacy := xdsres.LegacyWildcard(ts.typeURL)
	wildcard := legacy && len(names) == 0 && (first || ts.wildcard)
	for _, n := range names {
		if n == "*" {
			wildcard = true
			continue
		}
		ts.requested[n] = true
	}
	ts.wildcard = wildcard
	ts.pruneUnrequested()
}

// pruneUnrequested forgets the resources a client no longer asks for (it dropped them too);
// a wildcard subscription keeps everything it was sent.
func (ts *typeState) pruneUnrequested() {
	if ts.wildcard {
		return
	}
	for name := range ts.resources {
		if !ts.requested[name] {
			delete(ts.resources, name)
		}
	}
}

func (t *Tracker) ackLocked(ts *typeState, nonce, version string) {
	now := t.now()
	ts.counters.ACKs++
	ts.nonceAcked = nonce
	if version != "" {
		ts.versionAcked = version
	}
	ts.ackedAt = now
	ts.lastError = ""
	for _, r := range ts.resources {
		if r.nonce == nonce {
			r.ackedNonce = nonce
			r.ackedAt = now
			r.ackedVersion = r.version
			r.err = ""
		}
	}
}

func (t *Tracker) nackLocked(ts *typeState, nonce, msg string) {
	now := t.now()
	ts.counters.NACKs++
	ts.counters.ResponsesSinceNACK = 0
	ts.lastError = msg
	ts.errorAt = now
	ts.errorVersion = ts.versionSent
	var names []string
	for name, r := range ts.resources {
		if r.nonce == nonce {
			names = append(names, name)
		}
	}
	blamed := Blame(msg, names)
	for _, name := range names {
		r := ts.resources[name]
		detail, isBlamed := blamed[name]
		if len(blamed) == 0 {
			detail, isBlamed = msg, true
		}
		if !isBlamed {
			// Envoy and gRPC accept the valid resources of a rejected response.
			r.ackedNonce = nonce
			r.ackedAt = now
			r.ackedVersion = r.version
			r.err = ""
			continue
		}
		r.err = detail
		r.errAt = now
		r.errVersion = r.version
		r.errNonce = nonce
	}
}

// OnStreamResponse records a SotW response.
func (t *Tracker) OnStreamResponse(_ context.Context, id int64, req *discovery.DiscoveryRequest, resp *discovery.DiscoveryResponse) {
	t.mu.Lock()
	defer t.mu.Unlock()
	defer t.notifyLocked()
	c := t.connLocked(id, req.GetNode(), false)
	ts := t.typeOf(c, resp.GetTypeUrl())
	now := t.now()
	t.sentLocked(ts, resp.GetNonce(), resp.GetVersionInfo(), now)
	// A SotW response supersedes the older ones: their nonces are stale now.
	ts.outstanding = map[string]bool{resp.GetNonce(): true}
	in := map[string]bool{}
	for _, a := range resp.GetResources() {
		name := nameOf(a, resp.GetTypeUrl())
		in[name] = true
		r := ts.resources[name]
		if r == nil {
			r = &resState{}
			ts.resources[name] = r
		}
		r.version, r.nonce, r.sentAt, r.res = resp.GetVersionInfo(), resp.GetNonce(), now, a
	}
	for name := range ts.resources {
		if !in[name] {
			delete(ts.resources, name)
		}
	}
}

func (t *Tracker) sentLocked(ts *typeState, nonce, version string, now time.Time) {
	ts.counters.Responses++
	ts.counters.ResponsesSinceNACK++
	ts.nonceSent = nonce
	ts.versionSent = version
	ts.sentAt = now
}

func nameOf(a *anypb.Any, typeURL string) string {
	m, err := xdsres.Decode(a, typeURL)
	if err != nil {
		return ""
	}
	return xdsres.Name(m)
}

// OnStreamDeltaRequest records a delta request. Delta responses are independent, so any
// outstanding nonce may be ACKed or NACKed; the delta server needs no NACK guard (it records what
// it sent as returned, so it does not resend a rejected resource).
func (t *Tracker) OnStreamDeltaRequest(id int64, req *discovery.DeltaDiscoveryRequest) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	defer t.notifyLocked()
	c := t.connLocked(id, req.GetNode(), true)
	ts := t.typeOf(c, req.GetTypeUrl())
	ts.counters.Requests++
	nonce := req.GetResponseNonce()
	if nonce != "" && !ts.outstanding[nonce] {
		ts.counters.Stale++
		return nil
	}
	first := !ts.seenReq
	ts.seenReq = true
	if first && len(req.GetResourceNamesSubscribe()) == 0 && xdsres.LegacyWildcard(ts.typeURL) {
		ts.wildcard = true
	}
	for _, n := range req.GetResourceNamesSubscribe() {
		if n == "*" {
			ts.wildcard = true
			continue
		}
		ts.requested[n] = true
	}
	for _, n := range req.GetResourceNamesUnsubscribe() {
		if n == "*" {
			ts.wildcard = false
			continue
		}
		delete(ts.requested, n)
	}
	ts.pruneUnrequested()
	if nonce == "" {
		return nil
	}
	delete(ts.outstanding, nonce)
	if req.GetErrorDetail() != nil {
		t.nackLocked(ts, nonce, req.GetErrorDetail().GetMessage())
		return nil
	}
	t.ackLocked(ts, nonce, "")
	if len(ts.outstanding) == 0 {
		ts.versionAcked = ts.versionSent
	}
	return nil
}

// OnStreamDeltaResponse records a delta response.
func (t *Tracker) OnStreamDeltaResponse(id int64, req *discovery.DeltaDiscoveryRequest, resp *discovery.DeltaDiscoveryResponse) {
	t.mu.Lock()
	defer t.mu.Unlock()
	defer t.notifyLocked()
	c := t.connLocked(id, req.GetNode(), true)
	ts := t.typeOf(c, resp.GetTypeUrl())
	now := t.now()
	t.sentLocked(ts, resp.GetNonce(), resp.GetSystemVersionInfo(), now)
	ts.outstanding[resp.GetNonce()] = true
	for _, r := range resp.GetResources() {
		rs := ts.resources[r.GetName()]
		if rs == nil {
			rs = &resState{}
			ts.resources[r.GetName()] = rs
		}
		rs.version, rs.nonce, rs.sentAt, rs.res = r.GetVersion(), resp.GetNonce(), now, r.GetResource()
	}
	for _, name := range resp.GetRemovedResources() {
		delete(ts.resources, name)
	}
}

// DisableNACKGuard turns the NACK guard off, so go-control-plane re-sends a rejected snapshot at
// once and the client NACKs it again, as fast as the stream allows. It exists to show (and test)
// the storm the guard prevents; a control plane serving users never calls it.
func (t *Tracker) DisableNACKGuard() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.noGuard = true
}
