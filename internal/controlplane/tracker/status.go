package tracker

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"
	"time"

	adminv3 "github.com/envoyproxy/go-control-plane/envoy/admin/v3"
	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	statusv3 "github.com/envoyproxy/go-control-plane/envoy/service/status/v3"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/xdsctl/xdsctl/internal/controlplane/xdsres"
)

// Status values are CSDS ConfigStatus values (the control plane's view).
const (
	Synced  = statusv3.ConfigStatus_SYNCED
	NotSent = statusv3.ConfigStatus_NOT_SENT
	Stale   = statusv3.ConfigStatus_STALE
	Error   = statusv3.ConfigStatus_ERROR
)

// Label returns the status as istioctl prints it: SYNCED, NOT SENT, STALE or ERROR.
func Label(s statusv3.ConfigStatus) string {
	switch s {
	case Synced:
		return "SYNCED"
	case NotSent:
		return "NOT SENT"
	case Stale:
		return "STALE"
	case Error:
		return "ERROR"
	default:
		return "UNKNOWN"
	}
}

// Conn is one connection's state, copied out of the tracker. A connection is identified by Delta
// and StreamID together: go-control-plane numbers SotW and delta streams separately.
type Conn struct {
	StreamID    int64
	Delta       bool
	NodeID      string
	Node        *corev3.Node
	ConnectedAt time.Time
	Types       []Type // served types first, in xdsres.Kinds order
}

// Type is one type URL of a connection.
type Type struct {
	TypeURL      string
	Status       statusv3.ConfigStatus
	NonceSent    string
	VersionSent  string
	LastSent     time.Time
	NonceAcked   string
	VersionAcked string
	LastAcked    time.Time
	Error        string // the last NACK's message, until the next ACK
	ErrorAt      time.Time
	ErrorVersion string // the version that was rejected
	Wildcard     bool
	Requested    []string
	Resources    []Resource
	Counters     Counters
}

// Resource is one resource of a type: sent, or requested and not sent.
type Resource struct {
	Name         string
	Status       statusv3.ConfigStatus
	Version      string // version of the last response that carried it
	LastUpdated  time.Time
	Resource     *anypb.Any
	Error        string // the part of the NACK about this resource
	ErrorAt      time.Time
	ErrorVersion string
}

// typeStatus applies istiod's rule: ERROR if the last answer was a NACK; NOT SENT if nothing was
// sent; SYNCED if the last response sent was ACKed; STALE otherwise.
func (ts *typeState) status() statusv3.ConfigStatus {
	switch {
	case ts.lastError != "":
		return Error
	case ts.nonceSent == "":
		return NotSent
	case len(ts.outstanding) == 0:
		return Synced
	default:
		return Stale
	}
}

func (r *resState) status() statusv3.ConfigStatus {
	switch {
	case r.err != "":
		return Error
	case r.nonce == "":
		return NotSent
	case r.ackedNonce == r.nonce:
		return Synced
	default:
		return Stale
	}
}

func (ts *typeState) view() Type {
	out := Type{
		TypeURL: ts.typeURL, Status: ts.status(),
		NonceSent: ts.nonceSent, VersionSent: ts.versionSent, LastSent: ts.sentAt,
		NonceAcked: ts.nonceAcked, VersionAcked: ts.versionAcked, LastAcked: ts.ackedAt,
		Error: ts.lastError, ErrorAt: ts.errorAt, ErrorVersion: ts.errorVersion,
		Wildcard: ts.wildcard, Requested: slices.Sorted(maps.Keys(ts.requested)), Counters: ts.counters,
	}
	for _, name := range slices.Sorted(maps.Keys(ts.resources)) {
		r := ts.resources[name]
		out.Resources = append(out.Resources, Resource{
			Name: name, Status: r.status(), Version: r.version, LastUpdated: r.sentAt, Resource: r.res,
			Error: r.err, ErrorAt: r.errAt, ErrorVersion: r.errVersion,
		})
	}
	for _, name := range out.Requested {
		if _, sent := ts.resources[name]; !sent {
			out.Resources = append(out.Resources, Resource{Name: name, Status: NotSent})
		}
	}
	sort.Slice(out.Resources, func(i, j int) bool { return out.Resources[i].Name < out.Resources[j].Name })
	return out
}

func (c *conn) view() Conn {
	out := Conn{StreamID: c.id, Delta: c.delta, Node: c.node, NodeID: c.node.GetId(), ConnectedAt: c.connectedAt}
	order := map[string]int{}
	for i, k := range xdsres.Kinds {
		order[k.TypeURL] = i
	}
	for _, u := range slices.Sorted(maps.Keys(c.types)) {
		out.Types = append(out.Types, c.types[u].view())
	}
	sort.SliceStable(out.Types, func(i, j int) bool {
		oi, iok := order[out.Types[i].TypeURL]
		oj, jok := order[out.Types[j].TypeURL]
		if iok != jok {
			return iok
		}
		return oi < oj
	})
	return out
}

// Conns returns every open connection, SotW and delta, sorted by node id, then in the order they
// connected.
func (t *Tracker) Conns() []Conn {
	t.mu.Lock()
	defer t.mu.Unlock()
	conns := make([]*conn, 0, len(t.conns))
	for _, c := range t.conns {
		conns = append(conns, c)
	}
	sort.Slice(conns, func(i, j int) bool {
		if a, b := conns[i].node.GetId(), conns[j].node.GetId(); a != b {
			return a < b
		}
		return conns[i].seq < conns[j].seq
	})
	out := make([]Conn, 0, len(conns))
	for _, c := range conns {
		out = append(out, c.view())
	}
	return out
}

// Node returns the newest connection of a node id (the one the tracker saw last, SotW or delta).
func (t *Tracker) Node(id string) (Conn, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	var best *conn
	for _, c := range t.conns {
		if c.node.GetId() == id && (best == nil || c.seq > best.seq) {
			best = c
		}
	}
	if best == nil {
		return Conn{}, false
	}
	return best.view(), true
}

// Type returns the state of one type URL of the connection.
func (c Conn) Type(typeURL string) (Type, bool) {
	for _, t := range c.Types {
		if t.TypeURL == typeURL {
			return t, true
		}
	}
	return Type{}, false
}

func tsOrNil(t time.Time) *timestamppb.Timestamp {
	if t.IsZero() {
		return nil
	}
	return timestamppb.New(t)
}

// ClientConfig is the connection as CSDS shows it. For each type, the first entry has an empty
// name and is the per-type summary (istiod's syncz shape: the type's status, the version last sent,
// the whole NACK message); the entries after it are per resource, with the resource itself in
// xds_config. Clients that only want resources skip entries with an empty name.
func (c Conn) ClientConfig() *statusv3.ClientConfig {
	out := &statusv3.ClientConfig{Node: c.Node}
	for _, t := range c.Types {
		sum := &statusv3.ClientConfig_GenericXdsConfig{
			TypeUrl: t.TypeURL, VersionInfo: t.VersionSent, LastUpdated: tsOrNil(t.LastSent), ConfigStatus: t.Status,
		}
		if t.Error != "" {
			sum.ErrorState = &adminv3.UpdateFailureState{Details: t.Error, LastUpdateAttempt: tsOrNil(t.ErrorAt), VersionInfo: t.ErrorVersion}
		}
		out.GenericXdsConfigs = append(out.GenericXdsConfigs, sum)
		for _, r := range t.Resources {
			g := &statusv3.ClientConfig_GenericXdsConfig{
				TypeUrl: t.TypeURL, Name: r.Name, VersionInfo: r.Version, XdsConfig: xdsres.RedactSecret(r.Resource),
				LastUpdated: tsOrNil(r.LastUpdated), ConfigStatus: r.Status,
			}
			if r.Error != "" {
				g.ErrorState = &adminv3.UpdateFailureState{Details: r.Error, LastUpdateAttempt: tsOrNil(r.ErrorAt), VersionInfo: r.ErrorVersion}
			}
			out.GenericXdsConfigs = append(out.GenericXdsConfigs, g)
		}
	}
	return out
}

// Dump is the control plane's view of the node's config (what it sent), for an Envoy-style
// config dump to diff against the proxy's own /config_dump. A resource the client rejected is
// shown as sent, with its error_state. It is built from ClientConfig, so a CSDS client gets
// the same dump with xdsres.DumpFromClientConfig.
func (c Conn) Dump() *xdsres.Dump {
	return xdsres.DumpFromClientConfig(c.ClientConfig())
}

// WaitNode waits until the newest connection of node id satisfies cond, or ctx is done; it
// returns that connection's state.
func (t *Tracker) WaitNode(ctx context.Context, id string, cond func(Conn) bool) (Conn, error) {
	for {
		ch := t.Changed()
		c, ok := t.Node(id)
		if ok && cond(c) {
			return c, nil
		}
		select {
		case <-ctx.Done():
			if !ok {
				return c, fmt.Errorf("node %q never connected: %w", id, ctx.Err())
			}
			return c, fmt.Errorf("node %q: %w", id, ctx.Err())
		case <-ch:
		}
	}
}

// Synced tells whether every type the connection subscribed to is SYNCED and there is at least one.
func (c Conn) Synced() bool {
	n := 0
	for _, t := range c.Types {
		if t.Status != Synced {
			return false
		}
		n++
	}
	return n > 0
}

// StatusOf returns the status of a type URL, and NotSent for a type never asked for.
func (c Conn) StatusOf(typeURL string) statusv3.ConfigStatus {
	if t, ok := c.Type(typeURL); ok {
		return t.Status
	}
	return NotSent
}
