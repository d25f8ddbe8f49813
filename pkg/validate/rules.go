package validate

import (
	"bytes"
	"compress/flate"
	_ "embed"
	"sync"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/dynamicpb"

	"github.com/xdsctl/xdsctl/internal/envoydesc"
)

// rules.pb.zz holds the protoc-gen-validate options of the Envoy API (envoydesc drops options):
// written by `go run ./internal/envoydesc/gen -rules` (see writeRules there), deflated records,
// each a length-delimited field whose number says what it is and whose content is the full name
// (field 1) and, for a field, its serialized validate.FieldRules (field 2).
//
//go:embed rules.pb.zz
var packedRules []byte

const (
	recField    = 1 // validate.rules of a field
	recRequired = 2 // validate.required of a oneof
	recDisabled = 3 // validate.disabled or validate.ignored of a message
)

// rule is what the options say of one field, oneof or message.
type rule struct {
	raw      []byte               // FieldRules, serialized
	field    protoreflect.Message // FieldRules, decoded on first use
	required bool
	disabled bool
}

var (
	rulesOnce sync.Once
	rulesMap  map[protoreflect.FullName]*rule
	rulesMu   sync.Mutex // guards decoding rule.field
)

func loadRules() {
	rulesMap = map[protoreflect.FullName]*rule{}
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(flate.NewReader(bytes.NewReader(packedRules))); err != nil {
		return // a corrupt embed: no rules (the tests catch it)
	}
	data := buf.Bytes()
	for len(data) > 0 {
		num, typ, n := protowire.ConsumeTag(data)
		if n < 0 || typ != protowire.BytesType {
			return
		}
		data = data[n:]
		rec, n := protowire.ConsumeBytes(data)
		if n < 0 {
			return
		}
		data = data[n:]
		var name string
		var raw []byte
		for len(rec) > 0 {
			f, t, n := protowire.ConsumeTag(rec)
			if n < 0 || t != protowire.BytesType {
				break
			}
			rec = rec[n:]
			v, n := protowire.ConsumeBytes(rec)
			if n < 0 {
				break
			}
			rec = rec[n:]
			if f == 1 {
				name = string(v)
			} else {
				raw = v
			}
		}
		r := rulesMap[protoreflect.FullName(name)]
		if r == nil {
			r = &rule{}
			rulesMap[protoreflect.FullName(name)] = r
		}
		switch num {
		case recField:
			r.raw = raw
		case recRequired:
			r.required = true
		case recDisabled:
			r.disabled = true
		}
	}
}

// ruleOf is what rulesFor returns: the decoded FieldRules (nil if none) and the flags.
type ruleOf struct {
	field    protoreflect.Message
	required bool
	disabled bool
}

// rulesFor returns the rules of a field, oneof or message.
func rulesFor(name protoreflect.FullName) ruleOf {
	rulesOnce.Do(loadRules)
	r := rulesMap[name]
	if r == nil {
		return ruleOf{}
	}
	if r.raw != nil {
		rulesMu.Lock()
		if r.field == nil {
			if md := envoydesc.FindMessage("validate.FieldRules"); md != nil {
				m := dynamicpb.NewMessage(md)
				if proto.Unmarshal(r.raw, m) == nil {
					r.field = m
				}
			}
		}
		rulesMu.Unlock()
	}
	return ruleOf{field: r.field, required: r.required, disabled: r.disabled}
}

// sub returns the message field name of m if set, else nil.
func sub(m protoreflect.Message, name protoreflect.Name) protoreflect.Message {
	fd := m.Descriptor().Fields().ByName(name)
	if fd == nil || !m.Has(fd) {
		return nil
	}
	return m.Get(fd).Message()
}

// get returns the value of field name of m and whether it is set.
func get(m protoreflect.Message, name protoreflect.Name) (protoreflect.Value, bool) {
	fd := m.Descriptor().Fields().ByName(name)
	if fd == nil || !m.Has(fd) {
		return protoreflect.Value{}, false
	}
	return m.Get(fd), true
}

func getBool(m protoreflect.Message, name protoreflect.Name) bool {
	v, ok := get(m, name)
	return ok && v.Bool()
}
