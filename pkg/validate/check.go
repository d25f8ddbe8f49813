package validate

import (
	"fmt"
	"strconv"
	"strings"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/dynamicpb"

	"github.com/xdsctl/xdsctl/internal/envoydesc"
)

// checker walks one resource and collects its problems.
type checker struct {
	problems []Problem
	path     []string // segments: "name", "[3]", `["key"]`
	// chain is where protoc-gen-validate's error text is, from the resource or the innermost
	// Any (whose content Envoy validates on its own): one frame per embedded message.
	chain  []frame
	saved  [][]frame // chains of the enclosing Anys
	unkown map[string]bool
	// dropped are the paths of JSON values the JSON walk reported and dropped: their rules are not
	// checked again (a value of the wrong type is not also "required").
	dropped map[string]bool
	extName string // the name next to the typed_config being checked, for Envoy's wording
	// lenient: unknown JSON fields are Info (a TypedStruct's value, which Envoy converts with its
	// dynamic-config validation: unknown fields are warned about, not rejected).
	lenient bool
}

type frame struct {
	msg   protoreflect.Name // the message holding the field
	field string            // the field, CamelCase, with its index: "FilterChains[0]"
}

func (c *checker) add(path, msg, envoy string, sev Severity, kind Kind) {
	c.problems = append(c.problems, Problem{Path: path, Message: msg, Envoy: envoy, Severity: sev, Kind: kind})
}

func (c *checker) push(name string) { c.path = append(c.path, name) }
func (c *checker) pushIndex(i int)  { c.path = append(c.path, "["+strconv.Itoa(i)+"]") }
func (c *checker) pushKey(k string) { c.path = append(c.path, "["+strconv.Quote(k)+"]") }
func (c *checker) pop()             { c.path = c.path[:len(c.path)-1] }

// pathString is the current path, with field appended when not "".
func (c *checker) pathWith(field string) string {
	var b strings.Builder
	for _, s := range c.path {
		if b.Len() > 0 && s[0] != '[' {
			b.WriteByte('.')
		}
		b.WriteString(s)
	}
	if field != "" {
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(field)
	}
	return b.String()
}

func (c *checker) enterAny() {
	c.saved = append(c.saved, c.chain)
	c.chain = nil
}

func (c *checker) leaveAny() {
	c.chain = c.saved[len(c.saved)-1]
	c.saved = c.saved[:len(c.saved)-1]
}

// unknownType reports (once per type) a typed_config of a type the Envoy API does not declare.
func (c *checker) unknownType(url string) {
	if c.unkown[url] {
		return
	}
	if c.unkown == nil {
		c.unkown = map[string]bool{}
	}
	c.unkown[url] = true
	name := url[strings.LastIndexByte(url, '/')+1:]
	c.add(c.pathWith(""), fmt.Sprintf("unknown extension type %s: not checked (Envoy accepts it only if built with that extension)", name),
		fmt.Sprintf("Didn't find a registered implementation for '%s' with type URL: '%s'", c.extName, name), Info, KindUnknownType)
}

// pgv reports a protoc-gen-validate violation of field (CamelCase, with its index) of md, worded
// as Envoy's generated validators word it.
func (c *checker) pgv(md protoreflect.MessageDescriptor, field, reason string) {
	var b strings.Builder
	b.WriteString("Proto constraint validation failed (")
	for _, f := range c.chain {
		b.WriteString(string(f.msg) + "ValidationError." + f.field + ": embedded message failed validation | caused by ")
	}
	b.WriteString(string(md.Name()) + "ValidationError." + field + ": " + reason + ")")
	path := c.pathWith("")
	if c.dropped[path] {
		return
	}
	c.add(path, reason, b.String(), Error, KindRule)
}

// camel is protoc-gen-validate's field name in its errors: PGGUpperCamelCase.
func camel(name protoreflect.Name) string {
	var b strings.Builder
	up := true
	for _, r := range string(name) {
		if r == '_' {
			up = true
			continue
		}
		if up && r >= 'a' && r <= 'z' {
			r -= 'a' - 'A'
		}
		up = r >= '0' && r <= '9'
		b.WriteRune(r)
	}
	return b.String()
}

// message checks a decoded message: its validate rules, Envoy's checks of its type, and every
// message inside it, Any contents included.
func (c *checker) message(m protoreflect.Message) {
	md := m.Descriptor()
	if md.FullName() == "google.protobuf.Any" {
		c.anyMessage(m)
		return
	}
	if rulesFor(md.FullName()).disabled {
		return
	}
	if md.FullName() == "udpa.type.v1.TypedStruct" || md.FullName() == "xds.type.v3.TypedStruct" {
		c.typedStruct(m)
		return
	}
	if u := m.GetUnknown(); len(u) > 0 {
		c.add(c.pathWith(""), fmt.Sprintf("unknown field number(s) %s in %s (Envoy ignores them in dynamic config)", fieldNumbers(u), md.FullName()),
			fmt.Sprintf("Protobuf message (type %s with unknown field set {%s}) has unknown fields", md.FullName(), fieldNumbers(u)), Info, KindUnknownField)
	}
	oneofs := md.Oneofs()
	for i := 0; i < oneofs.Len(); i++ {
		od := oneofs.Get(i)
		if rulesFor(od.FullName()).required && m.WhichOneof(od) == nil {
			c.push(string(od.Name()))
			c.pgv(md, camel(od.Name()), "value is required")
			c.pop()
		}
	}
	fields := md.Fields()
	for i := 0; i < fields.Len(); i++ {
		fd := fields.Get(i)
		r := rulesFor(fd.FullName()).field
		if r == nil && fd.Message() == nil {
			continue
		}
		if od := fd.ContainingOneof(); od != nil && m.WhichOneof(od) != fd {
			continue // a oneof's other fields are not checked
		}
		if fd.FullName() == "envoy.config.listener.v3.ApiListener.api_listener" {
			continue // an api_listener is for proxyless gRPC clients, which do not check as Envoy does (and Envoy skips it over LDS)
		}
		if fd.Name() == "typed_config" {
			c.extName = field(m, "name").String()
		}
		c.push(string(fd.Name()))
		c.field(m, fd, r)
		c.pop()
	}
	c.semantic(m)
}

func fieldNumbers(b []byte) string {
	var nums []string
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			break
		}
		b = b[n:]
		n = protowire.ConsumeFieldValue(num, typ, b)
		if n < 0 {
			break
		}
		b = b[n:]
		nums = append(nums, strconv.Itoa(int(num)))
	}
	return strings.Join(nums, ", ")
}

// anyMessage checks the content of an Any as the type its URL names.
func (c *checker) anyMessage(m protoreflect.Message) {
	fields := m.Descriptor().Fields()
	url := m.Get(fields.ByNumber(1)).String()
	if url == "" || url == emptyURL {
		return
	}
	md := envoydesc.FindMessageByURL(url)
	if md == nil {
		c.unknownType(url)
		return
	}
	inner := dynamicpb.NewMessage(md)
	if err := proto.Unmarshal(m.Get(fields.ByNumber(2)).Bytes(), inner); err != nil {
		name := url[strings.LastIndexByte(url, '/')+1:]
		c.add(c.pathWith(""), fmt.Sprintf("cannot decode the %s: %s", name, cleanErr(err)),
			fmt.Sprintf("Unable to unpack as %s: %s", name, cleanErr(err)), Error, KindJSON)
		return
	}
	c.enterAny()
	c.message(inner)
	c.leaveAny()
}

// typedStruct checks a TypedStruct's value as the message its type_url names, as Envoy converts
// it: a type the Envoy API does not declare is Info at type_url (an Istio extension such as
// metadata exchange lives in istio-proxy, not in the Envoy API).
func (c *checker) typedStruct(m protoreflect.Message) {
	url := field(m, "type_url").String()
	if url == "" {
		return
	}
	md := envoydesc.FindMessageByURL(url)
	if md == nil {
		name := url[strings.LastIndexByte(url, '/')+1:]
		c.add(c.pathWith("type_url"), fmt.Sprintf("unknown extension type %s in a TypedStruct: not checked (Envoy accepts it only if built with that extension)", name),
			fmt.Sprintf("Didn't find a registered implementation for '%s' with type URL: '%s'", c.extName, name), Info, KindUnknownType)
		return
	}
	var js []byte
	if has(m, "value") {
		b, err := protojson.Marshal(field(m, "value").Message().Interface())
		if err != nil {
			return
		}
		js = b
	} else {
		js = []byte("{}")
	}
	c.push("value")
	defer c.pop()
	lenient := c.lenient
	c.lenient = true
	clean, ok := c.json(md, js)
	c.lenient = lenient
	if !ok {
		return
	}
	inner := dynamicpb.NewMessage(md)
	if err := unmarshalJSON(clean, inner); err != nil {
		return
	}
	c.enterAny()
	c.message(inner)
	c.leaveAny()
}

// field checks one field of m (the path names it), with its rules r (nil: none).
func (c *checker) field(m protoreflect.Message, fd protoreflect.FieldDescriptor, r protoreflect.Message) {
	md := m.Descriptor()
	name := camel(fd.Name())
	switch {
	case fd.IsList():
		l := m.Get(fd).List()
		var items protoreflect.Message
		if r != nil {
			if rep := sub(r, "repeated"); rep != nil {
				c.repeatedRules(md, name, l, rep)
				items = sub(rep, "items")
			}
		}
		for i := 0; i < l.Len(); i++ {
			c.pushIndex(i)
			idx := name + "[" + strconv.Itoa(i) + "]"
			if items != nil {
				c.single(md, idx, fd, l.Get(i), true, items)
			}
			if fd.Message() != nil && !skips(items) {
				c.embedded(md, idx, l.Get(i).Message())
			}
			c.pop()
		}
	case fd.IsMap():
		mp := m.Get(fd).Map()
		var keys, vals protoreflect.Message
		if r != nil {
			if mr := sub(r, "map"); mr != nil {
				c.mapRules(md, name, mp.Len(), mr)
				keys, vals = sub(mr, "keys"), sub(mr, "values")
			}
		}
		mp.Range(func(k protoreflect.MapKey, v protoreflect.Value) bool {
			c.pushKey(k.String())
			idx := name + "[" + k.String() + "]"
			if keys != nil {
				c.single(md, idx, fd.MapKey(), k.Value(), true, keys)
			}
			if vals != nil {
				c.single(md, idx, fd.MapValue(), v, true, vals)
			}
			if fd.MapValue().Message() != nil && !skips(vals) {
				c.embedded(md, idx, v.Message())
			}
			c.pop()
			return true
		})
	default:
		set := m.Has(fd)
		if r != nil {
			c.single(md, name, fd, m.Get(fd), set || !fd.HasPresence(), r)
		}
		if set && fd.Message() != nil && !skips(r) {
			c.embedded(md, name, m.Get(fd).Message())
		}
	}
}

// embedded checks a message inside a message; its protoc-gen-validate errors are chained
// ("embedded message failed validation | caused by …").
func (c *checker) embedded(md protoreflect.MessageDescriptor, field string, m protoreflect.Message) {
	c.chain = append(c.chain, frame{msg: md.Name(), field: field})
	c.message(m)
	c.chain = c.chain[:len(c.chain)-1]
}

// skips tells whether rules say not to check the message inside (message.skip).
func skips(r protoreflect.Message) bool {
	if r == nil {
		return false
	}
	mr := sub(r, "message")
	return mr != nil && getBool(mr, "skip")
}
