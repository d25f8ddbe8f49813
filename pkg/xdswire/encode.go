package xdswire

import (
	"maps"
	"slices"

	"google.golang.org/protobuf/encoding/protowire"
)

// Node is the identity a request presents (envoy.config.core.v3.Node).
type Node struct {
	ID string
	// Metadata are string values of node.metadata (istiod reads GENERATOR, NAMESPACE, SERVICE_ACCOUNT).
	Metadata map[string]string
}

// EncodeDiscoveryRequest writes a DiscoveryRequest{node, resource_names, type_url}
// (envoy/service/discovery/v3/discovery.proto).
func EncodeDiscoveryRequest(typeURL string, names []string, n Node) []byte {
	var b []byte
	if nb := EncodeNode(n); len(nb) > 0 {
		b = protowire.AppendTag(b, 2, protowire.BytesType)
		b = protowire.AppendBytes(b, nb)
	}
	for _, name := range names {
		b = protowire.AppendTag(b, 3, protowire.BytesType)
		b = protowire.AppendString(b, name)
	}
	b = protowire.AppendTag(b, 4, protowire.BytesType)
	b = protowire.AppendString(b, typeURL)
	return b
}

// EncodeNode writes a Node{id = 1, metadata = 3 (google.protobuf.Struct)}, metadata keys sorted.
func EncodeNode(n Node) []byte {
	var b []byte
	if n.ID != "" {
		b = protowire.AppendTag(b, 1, protowire.BytesType)
		b = protowire.AppendString(b, n.ID)
	}
	if len(n.Metadata) > 0 {
		var st []byte
		for _, k := range slices.Sorted(maps.Keys(n.Metadata)) {
			// Value{string_value = 3}
			var v []byte
			v = protowire.AppendTag(v, 3, protowire.BytesType)
			v = protowire.AppendString(v, n.Metadata[k])
			// map entry {key = 1, value = 2}
			var e []byte
			e = protowire.AppendTag(e, 1, protowire.BytesType)
			e = protowire.AppendString(e, k)
			e = protowire.AppendTag(e, 2, protowire.BytesType)
			e = protowire.AppendBytes(e, v)
			st = protowire.AppendTag(st, 1, protowire.BytesType)
			st = protowire.AppendBytes(st, e)
		}
		b = protowire.AppendTag(b, 3, protowire.BytesType)
		b = protowire.AppendBytes(b, st)
	}
	return b
}

// EncodeClientStatusRequest writes a ClientStatusRequest with one exact node_id matcher per id
// (envoy/service/status/v3/csds.proto: node_matchers = 1; NodeMatcher.node_id = 1 is a StringMatcher
// whose exact = 1).
func EncodeClientStatusRequest(nodeIDs []string) []byte {
	var b []byte
	for _, id := range nodeIDs {
		var sm []byte
		sm = protowire.AppendTag(sm, 1, protowire.BytesType)
		sm = protowire.AppendString(sm, id)
		var nm []byte
		nm = protowire.AppendTag(nm, 1, protowire.BytesType)
		nm = protowire.AppendBytes(nm, sm)
		b = protowire.AppendTag(b, 1, protowire.BytesType)
		b = protowire.AppendBytes(b, nm)
	}
	if b == nil {
		b = []byte{}
	}
	return b
}
