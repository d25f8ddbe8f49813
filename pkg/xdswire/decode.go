// Package xdswire reads and writes the few xDS messages xdsctl handles without the generated
// Envoy API (CSDS, DiscoveryRequest/Response, Node, Any, Struct, Timestamp), straight on the
// protobuf wire format: proxy-status decodes with it, the CSDS client encodes with it.
package xdswire

import (
	"errors"
	"fmt"
	"math"
	"time"

	"google.golang.org/protobuf/encoding/protowire"
)

// This file reads the few xDS messages proxy-status needs (CSDS ClientStatusResponse, ClientConfig,
// Node, DiscoveryResponse) straight from the protobuf wire format, without the generated Envoy API:
// linking those packages costs start-up time for every xdsctl command (see docs/proxy-status.md),
// and a hand reader decodes a 10,000-proxy response several times faster. Field numbers are those of
// envoy/service/status/v3/csds.proto, envoy/service/discovery/v3/discovery.proto,
// envoy/config/core/v3/base.proto and envoy/admin/v3/config_dump_shared.proto; the tests check them
// against the generated types.

// Any is a google.protobuf.Any as it came off the wire: Value aliases the input.
type Any struct {
	TypeURL string
	Value   []byte
}

// DiscoveryResponse is the part of an xDS DiscoveryResponse that debug requests need.
type DiscoveryResponse struct {
	VersionInfo string
	TypeURL     string
	Nonce       string
	// ControlPlane is control_plane.identifier (istiod: JSON naming the instance).
	ControlPlane string
	Resources    []Any
}

// ErrMalformed is wrapped by every wire decoding error.
var ErrMalformed = errors.New("malformed protobuf")

// FieldFunc is called for each field of a message; it returns the number of bytes of b it used
// (from protowire.Consume*) or a negative protowire error code.
type FieldFunc func(num protowire.Number, typ protowire.Type, b []byte) int

// Walk calls fn for each field of the message in b. fn may leave fields to skip by returning 0.
func Walk(b []byte, fn FieldFunc) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return fmt.Errorf("%w: %v", ErrMalformed, protowire.ParseError(n))
		}
		b = b[n:]
		m := fn(num, typ, b)
		if m == 0 {
			m = protowire.ConsumeFieldValue(num, typ, b)
		}
		if m < 0 {
			return fmt.Errorf("%w: field %d: %v", ErrMalformed, num, protowire.ParseError(m))
		}
		b = b[m:]
	}
	return nil
}

// Bytes consumes a length-delimited field into *dst; for another wire type it skips the field.
func Bytes(typ protowire.Type, b []byte, dst *[]byte) int {
	if typ != protowire.BytesType {
		return 0
	}
	v, n := protowire.ConsumeBytes(b)
	if n >= 0 {
		*dst = v
	}
	return n
}

// Message consumes an embedded message field and hands its bytes to parse; a parse error makes
// the field (and so the message around it) malformed.
func Message(typ protowire.Type, b []byte, parse func(raw []byte) error) int {
	var raw []byte
	n := Bytes(typ, b, &raw)
	if n > 0 && parse(raw) != nil {
		return -1
	}
	return n
}

// String consumes a length-delimited field into *dst as a string.
func String(typ protowire.Type, b []byte, dst *string) int {
	var v []byte
	n := Bytes(typ, b, &v)
	if n > 0 {
		*dst = string(v)
	}
	return n
}

// Varint consumes a varint field into *dst.
func Varint(typ protowire.Type, b []byte, dst *uint64) int {
	if typ != protowire.VarintType {
		return 0
	}
	v, n := protowire.ConsumeVarint(b)
	if n >= 0 {
		*dst = v
	}
	return n
}

// Enum consumes a varint field (an enum) into *dst.
func Enum(typ protowire.Type, b []byte, dst *int) int {
	var v uint64
	n := Varint(typ, b, &v)
	if n > 0 {
		*dst = int(v)
	}
	return n
}

// AnyField consumes a google.protobuf.Any field into *dst.
func AnyField(typ protowire.Type, b []byte, dst *Any) int {
	return Message(typ, b, func(raw []byte) (err error) {
		*dst, err = ParseAny(raw)
		return err
	})
}

// MaxEntries is the most proxies (client configs) or resources one answer may list. A
// 10,000-proxy CSDS answer is about 5 MB, and decoding holds a few KB per proxy: without a bound,
// a hostile answer of tiny entries turns 8 MB into gigabytes.
const MaxEntries = 100_000

// TooManyError says an answer lists more than MaxEntries entries.
type TooManyError struct{ What string }

func (e *TooManyError) Error() string {
	return fmt.Sprintf("the answer lists more than %d %s, more than any control plane serves", MaxEntries, e.What)
}

// ParseDiscoveryResponse reads an xDS DiscoveryResponse in protobuf binary form.
func ParseDiscoveryResponse(b []byte) (*DiscoveryResponse, error) {
	r := &DiscoveryResponse{}
	tooMany := false
	err := Walk(b, func(num protowire.Number, typ protowire.Type, b []byte) int {
		switch num {
		case 1:
			return String(typ, b, &r.VersionInfo)
		case 2:
			var a Any
			n := AnyField(typ, b, &a)
			if n > 0 {
				if len(r.Resources) == MaxEntries {
					tooMany = true
					return -1
				}
				r.Resources = append(r.Resources, a)
			}
			return n
		case 4:
			return String(typ, b, &r.TypeURL)
		case 5:
			return String(typ, b, &r.Nonce)
		case 6:
			var raw []byte
			n := Bytes(typ, b, &raw)
			if n > 0 {
				if err := Walk(raw, func(num protowire.Number, typ protowire.Type, b []byte) int {
					if num == 1 {
						return String(typ, b, &r.ControlPlane)
					}
					return 0
				}); err != nil {
					return -1
				}
			}
			return n
		}
		return 0
	})
	if tooMany {
		return nil, fmt.Errorf("decode DiscoveryResponse: %w", &TooManyError{What: "resources"})
	}
	if err != nil {
		return nil, fmt.Errorf("decode DiscoveryResponse: %w", err)
	}
	return r, nil
}

func ParseAny(b []byte) (Any, error) {
	var a Any
	err := Walk(b, func(num protowire.Number, typ protowire.Type, b []byte) int {
		switch num {
		case 1:
			return String(typ, b, &a.TypeURL)
		case 2:
			return Bytes(typ, b, &a.Value)
		}
		return 0
	})
	return a, err
}

// ParseTimestamp reads a google.protobuf.Timestamp; the zero Timestamp gives the zero time.
func ParseTimestamp(b []byte) (time.Time, error) {
	var secs, nanos uint64
	err := Walk(b, func(num protowire.Number, typ protowire.Type, b []byte) int {
		switch num {
		case 1:
			return Varint(typ, b, &secs)
		case 2:
			return Varint(typ, b, &nanos)
		}
		return 0
	})
	if err != nil {
		return time.Time{}, err
	}
	s, ns := int64(secs), int64(int32(nanos))
	if s == 0 && ns == 0 {
		return time.Time{}, nil
	}
	// Timestamp's valid range is years 1 to 9999; keep anything else out of time arithmetic.
	if s < -62135596800 || s > 253402300799 || ns < 0 || ns > 999999999 {
		return time.Time{}, fmt.Errorf("%w: timestamp out of range", ErrMalformed)
	}
	return time.Unix(s, ns).UTC(), nil
}

// Timestamp consumes a Timestamp message field into *dst.
func Timestamp(typ protowire.Type, b []byte, dst *time.Time) int {
	return Message(typ, b, func(raw []byte) (err error) {
		*dst, err = ParseTimestamp(raw)
		return err
	})
}

// ParseStruct reads a google.protobuf.Struct, calling fn for each key that want accepts with the value's
// text (strings, numbers, bools) or, for a nested struct, its scalar members. Values of other keys are
// skipped undecoded (Istio node metadata has dozens of keys; proxy-status reads four).
func ParseStruct(b []byte, want func(key string) bool, fn func(key, text string, sub map[string]string)) error {
	return Walk(b, func(num protowire.Number, typ protowire.Type, b []byte) int {
		if num != 1 { // map<string, Value> fields = 1
			return 0
		}
		var entry []byte
		n := Bytes(typ, b, &entry)
		if n <= 0 {
			return n
		}
		var key []byte
		var val []byte
		if Walk(entry, func(num protowire.Number, typ protowire.Type, b []byte) int {
			switch num {
			case 1:
				return Bytes(typ, b, &key)
			case 2:
				return Bytes(typ, b, &val)
			}
			return 0
		}) != nil {
			return -1
		}
		if !want(string(key)) {
			return n
		}
		s, sub, ok := ParseValue(val)
		if !ok {
			return -1
		}
		fn(string(key), s, sub)
		return n
	})
}

func AnyKey(string) bool { return true }

// ParseValue reads a google.protobuf.Value: scalars as text; a struct as a flat map of its scalars.
func ParseValue(b []byte) (s string, sub map[string]string, ok bool) {
	err := Walk(b, func(num protowire.Number, typ protowire.Type, b []byte) int {
		switch num {
		case 2: // number_value
			if typ != protowire.Fixed64Type {
				return 0
			}
			v, n := protowire.ConsumeFixed64(b)
			if n > 0 {
				s = FormatNumber(math.Float64frombits(v))
			}
			return n
		case 3: // string_value
			return String(typ, b, &s)
		case 4: // bool_value
			var v uint64
			n := Varint(typ, b, &v)
			if n > 0 {
				s = "false"
				if v != 0 {
					s = "true"
				}
			}
			return n
		case 5: // struct_value
			var raw []byte
			n := Bytes(typ, b, &raw)
			if n > 0 {
				sub = map[string]string{}
				if ParseStruct(raw, AnyKey, func(k, text string, _ map[string]string) {
					if text != "" {
						sub[k] = text
					}
				}) != nil {
					return -1
				}
			}
			return n
		}
		return 0
	})
	return s, sub, err == nil
}

func FormatNumber(f float64) string {
	if f == math.Trunc(f) && math.Abs(f) < 1e15 {
		return fmt.Sprintf("%d", int64(f))
	}
	return fmt.Sprintf("%g", f)
}
