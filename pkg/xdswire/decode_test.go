package xdswire

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"google.golang.org/protobuf/encoding/protowire"
)

// TestMessage: an embedded message field is handed to parse whole; a parse error, or a field of
// another wire type, is what Walk's callers expect (-1: malformed; 0: not consumed).
func TestMessage(t *testing.T) {
	field := protowire.AppendBytes(nil, []byte("inner"))
	var got []byte
	n := Message(protowire.BytesType, field, func(raw []byte) error { got = raw; return nil })
	assert.Equal(t, len(field), n)
	assert.Equal(t, "inner", string(got))
	assert.Equal(t, -1, Message(protowire.BytesType, field, func([]byte) error { return errors.New("bad") }))
	assert.Equal(t, 0, Message(protowire.VarintType, field, func([]byte) error { t.Fatal("called"); return nil }))
}

// TestEncodeDecodeRoundTrip: what EncodeDiscoveryRequest writes, Walk reads back field by field.
func TestEncodeDecodeRoundTrip(t *testing.T) {
	b := EncodeDiscoveryRequest("istio.io/debug/syncz", []string{"a", "b"}, Node{ID: "n1", Metadata: map[string]string{"K": "v"}})
	var names []string
	var typeURL, id string
	meta := map[string]string{}
	err := Walk(b, func(num protowire.Number, typ protowire.Type, b []byte) int {
		switch num {
		case 2:
			return Message(typ, b, func(raw []byte) error {
				return Walk(raw, func(num protowire.Number, typ protowire.Type, b []byte) int {
					switch num {
					case 1:
						return String(typ, b, &id)
					case 3:
						return Message(typ, b, func(raw []byte) error {
							return ParseStruct(raw, AnyKey, func(k, text string, _ map[string]string) { meta[k] = text })
						})
					}
					return 0
				})
			})
		case 3:
			var s string
			n := String(typ, b, &s)
			names = append(names, s)
			return n
		case 4:
			return String(typ, b, &typeURL)
		}
		return 0
	})
	assert.NoError(t, err)
	assert.Equal(t, "istio.io/debug/syncz", typeURL)
	assert.Equal(t, []string{"a", "b"}, names)
	assert.Equal(t, "n1", id)
	assert.Equal(t, map[string]string{"K": "v"}, meta)
}
