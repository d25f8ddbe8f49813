package configdiff

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/structpb"
)

// A control plane answers in protobuf binary; these functions turn its answers into /config_dump JSON
// for Compare. Decoding binary needs the Envoy API descriptors (the ones pkg/configdump links for
// Normalize). A payload of a type xdsctl does not know cannot be shown: it is replaced by a marker,
// its type URL is returned in opaque, and Compare (given Options.Opaque) compares such payloads by
// type only, with a warning.

// opaqueMarker is the Struct field that stands for an undecodable payload.
const opaqueMarker = "@xdsctl_opaque_type"

// Decoded is a control plane's answer as a /config_dump JSON document.
type Decoded struct {
	Dump []byte
	// Opaque are type URLs of payloads xdsctl could not decode; pass them as Options.Opaque.
	Opaque []string
	// Warnings say what else could not be shown (fields newer than xdsctl's Envoy API).
	Warnings []string
}

type decodeState struct {
	opaque  map[string]bool
	unknown map[string]bool // messages with fields xdsctl does not know
}

func newDecodeState() *decodeState {
	return &decodeState{opaque: map[string]bool{}, unknown: map[string]bool{}}
}

func (st *decodeState) result(dump []byte) *Decoded {
	d := &Decoded{Dump: dump, Opaque: slices.Sorted(maps.Keys(st.opaque))}
	for _, m := range slices.Sorted(maps.Keys(st.unknown)) {
		d.Warnings = append(d.Warnings, fmt.Sprintf("the control plane sent fields of %s that xdsctl does not know; they are not compared", m))
	}
	return d
}

// Section is one entry of an admin ConfigDump's configs: a type URL and the binary message.
type Section struct {
	TypeURL string
	Value   []byte
}

// DumpFromSections builds a /config_dump JSON document from binary sections (istiod's answer to
// istio.io/debug/config_dump is the sections of its ConfigDump, one Any each).
func DumpFromSections(sections []Section) (*Decoded, error) {
	st := newDecodeState()
	var b bytes.Buffer
	b.WriteString(`{"configs":[`)
	first := true
	for _, s := range sections {
		if s.TypeURL == "" {
			continue // istiod's "not connected" message, or an empty Any
		}
		j, err := st.anyJSON(s.TypeURL, s.Value)
		if err != nil {
			return nil, fmt.Errorf("decode %s: %w", s.TypeURL, err)
		}
		if !first {
			b.WriteByte(',')
		}
		first = false
		b.Write(j)
	}
	b.WriteString("]}")
	return st.result(b.Bytes()), nil
}

// Sent is one resource a control plane sent a node, as CSDS reports it: the resource in binary
// (Binary) or JSON (JSON) form, with its version.
type Sent struct {
	TypeURL, Name, Version string
	Binary                 []byte
	JSON                   []byte
}

// dumpShapes say how each type is written into its admin config dump section.
var dumpShapes = map[string]struct {
	section, list, key string
	listener           bool
}{
	"envoy.config.cluster.v3.Cluster":                  {"ClustersConfigDump", "dynamic_active_clusters", "cluster", false},
	"envoy.config.listener.v3.Listener":                {"ListenersConfigDump", "dynamic_listeners", "listener", true},
	"envoy.config.route.v3.RouteConfiguration":         {"RoutesConfigDump", "dynamic_route_configs", "route_config", false},
	"envoy.extensions.transport_sockets.tls.v3.Secret": {"SecretsConfigDump", "dynamic_active_secrets", "secret", false},
}

// DumpFromSent builds a /config_dump JSON document from the resources a control plane says it sent a
// node (the bundled control plane's per-node CSDS view). typesReported are the type URLs the control
// plane reported for the node at all: a type it reported without resources gets an empty section, a
// type it did not report none (so it is not compared).
func DumpFromSent(sent []Sent, typesReported []string) (*Decoded, error) {
	type entry struct {
		name string
		json []byte
		ver  string
	}
	byType := map[string][]entry{}
	for _, u := range typesReported {
		name := canonicalTypeURL(u)
		name = name[strings.LastIndexByte(name, '/')+1:]
		if _, ok := dumpShapes[name]; ok && byType[name] == nil {
			byType[name] = []entry{}
		}
	}
	st := newDecodeState()
	for _, s := range sent {
		name := canonicalTypeURL(s.TypeURL)
		name = name[strings.LastIndexByte(name, '/')+1:]
		if _, ok := dumpShapes[name]; !ok {
			continue
		}
		j := s.JSON
		if j == nil {
			var err error
			if j, err = st.anyJSON(s.TypeURL, s.Binary); err != nil {
				return nil, fmt.Errorf("decode %s %q: %w", s.TypeURL, s.Name, err)
			}
		}
		byType[name] = append(byType[name], entry{name: s.Name, json: j, ver: s.Version})
	}
	var b bytes.Buffer
	b.WriteString(`{"configs":[`)
	first := true
	for _, t := range slices.Sorted(maps.Keys(byType)) {
		sh := dumpShapes[t]
		if !first {
			b.WriteByte(',')
		}
		first = false
		fmt.Fprintf(&b, `{"@type":"type.googleapis.com/envoy.admin.v3.%s",%q:[`, sh.section, sh.list)
		es := byType[t]
		sort.Slice(es, func(i, j int) bool { return es[i].name < es[j].name })
		for i, e := range es {
			if i > 0 {
				b.WriteByte(',')
			}
			ver, _ := json.Marshal(e.ver)
			name, _ := json.Marshal(e.name)
			if sh.listener {
				fmt.Fprintf(&b, `{"name":%s,"active_state":{"version_info":%s,"listener":%s}}`, name, ver, e.json)
			} else {
				fmt.Fprintf(&b, `{"name":%s,"version_info":%s,%q:%s}`, name, ver, sh.key, e.json)
			}
		}
		b.WriteString("]}")
	}
	b.WriteString("]}")
	return st.result(b.Bytes()), nil
}

// anyJSON writes an Any (type URL and binary value) as protojson with proto field names. Nested Anys
// of unknown types are replaced by a marker and their type URLs added to opaque.
func (st *decodeState) anyJSON(typeURL string, value []byte) ([]byte, error) {
	mt, err := findByURL(typeURL)
	if err != nil {
		st.opaque[typeURL] = true
		return json.Marshal(map[string]any{"@type": typeURL, "value": map[string]string{opaqueMarker: typeURL}})
	}
	m := mt.New().Interface()
	if err := proto.Unmarshal(value, m); err != nil {
		return nil, err
	}
	if err := st.walk(m.ProtoReflect()); err != nil {
		return nil, err
	}
	a, err := anypb.New(m)
	if err != nil {
		return nil, err
	}
	a.TypeUrl = typeURL
	return protojson.MarshalOptions{UseProtoNames: true, Resolver: Types}.Marshal(a)
}

// replaceUnknownAnys walks a message and rewrites every Any: a known payload is walked in turn and
// written back; an unknown one becomes a Struct naming its type.
func (st *decodeState) walk(m protoreflect.Message) error {
	if len(m.GetUnknown()) > 0 {
		st.unknown[string(m.Descriptor().FullName())] = true
	}
	if m.Descriptor().FullName() == "google.protobuf.Any" {
		return st.fixAny(m)
	}
	var err error
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		switch {
		case fd.IsMap():
			if fd.MapValue().Kind() == protoreflect.MessageKind {
				v.Map().Range(func(_ protoreflect.MapKey, mv protoreflect.Value) bool {
					err = st.walk(mv.Message())
					return err == nil
				})
			}
		case fd.IsList():
			if fd.Kind() == protoreflect.MessageKind {
				l := v.List()
				for i := 0; i < l.Len() && err == nil; i++ {
					err = st.walk(l.Get(i).Message())
				}
			}
		case fd.Kind() == protoreflect.MessageKind:
			err = st.walk(v.Message())
		}
		return err == nil
	})
	return err
}

func (st *decodeState) fixAny(m protoreflect.Message) error {
	fields := m.Descriptor().Fields()
	urlFD, valFD := fields.ByName("type_url"), fields.ByName("value")
	url := m.Get(urlFD).String()
	if url == "" {
		return nil
	}
	mt, err := findByURL(url)
	if err != nil {
		st.opaque[url] = true
		marker, err := structpb.NewStruct(map[string]any{opaqueMarker: url})
		if err != nil {
			return err
		}
		b, err := proto.Marshal(marker)
		if err != nil {
			return err
		}
		m.Set(urlFD, protoreflect.ValueOfString("type.googleapis.com/google.protobuf.Struct"))
		m.Set(valFD, protoreflect.ValueOfBytes(b))
		return nil
	}
	inner := mt.New().Interface()
	if err := proto.Unmarshal(m.Get(valFD).Bytes(), inner); err != nil {
		return fmt.Errorf("payload of %s: %w", url, err)
	}
	if err := st.walk(inner.ProtoReflect()); err != nil {
		return err
	}
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(inner)
	if err != nil {
		return err
	}
	m.Set(valFD, protoreflect.ValueOfBytes(b))
	return nil
}
