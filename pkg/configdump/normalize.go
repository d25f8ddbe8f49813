package configdump

import (
	"bytes"
	"fmt"
	"sync"

	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/xdsctl/xdsctl/internal/envoydesc"
	"github.com/xdsctl/xdsctl/internal/jsonscan"
)

// NormalizeOptions tune Normalize.
type NormalizeOptions struct {
	ShowSecrets bool      // keep private keys and passwords instead of "[redacted]"
	Warnings    *Warnings // unknown types are reported here, once each
	// Type is the full message name of the value when it carries no "@type" (as in 2018-era dumps),
	// e.g. "envoy.config.cluster.v3.Cluster".
	Type string
}

// Redacted is what secret material is replaced with, as Envoy itself writes it.
const Redacted = "[redacted]"

// Normalize rewrites one JSON value of admin output (a resource, a section or a whole dump) with
// Envoy's proto field names (snake_case) whatever spelling the input used, guided by the Envoy
// API descriptors embedded in xdsctl (internal/envoydesc: the whole v2 and v3 API with every
// extension, contrib included, built lazily). Key order is kept. The payload of an Any whose
// type xdsctl does not know is kept as it came (keys as written) and named once in a warning.
//
// Secret material is replaced with "[redacted]" unless ShowSecrets is set: every field Envoy
// marks sensitive (private keys, passwords, PKCS#12, generic secrets, session ticket keys,
// tokens; a DataSource keeps its file name), and, where no schema is known (unknown types,
// Struct values such as a TypedStruct's), any member named private_key, password or pkcs12 in
// either spelling.
func Normalize(raw []byte, o NormalizeOptions) ([]byte, error) {
	v := jsonscan.New(raw)
	// index the value so that walking it does not rescan nested values at every level: a resource
	// into a reused scratch (every composite of 64 bytes or more), a whole dump with the
	// document index (1 KiB or more, less memory)
	if len(raw) <= 1<<20 {
		s := scratches.Get().(*jsonscan.Scratch)
		defer scratches.Put(s)
		if w, err := s.Index(v); err == nil {
			v = w
		}
	} else if w, err := jsonscan.Indexed(v); err == nil {
		v = w
	}
	var md protoreflect.MessageDescriptor
	if v.Kind() == jsonscan.Object && v.Get("configs").Exists() && !v.Get("@type").Exists() {
		md = lookupMessage("envoy.admin.v3.ConfigDump")
	} else if o.Type != "" {
		md = lookupMessage(o.Type)
	}
	n := normalizer{o: o}
	var out bytes.Buffer
	out.Grow(len(raw) + len(raw)/8)
	if err := n.value(&out, v, md, false); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

type normalizer struct{ o NormalizeOptions }

var scratches = sync.Pool{New: func() any { return new(jsonscan.Scratch) }}

// structTypes are written field by field with no schema (their keys are data).
var structTypes = map[protoreflect.FullName]bool{
	"google.protobuf.Struct": true, "google.protobuf.Value": true, "google.protobuf.ListValue": true,
}

// scalarTypes are well-known messages whose JSON form is a scalar or not field by field.
var scalarTypes = map[protoreflect.FullName]bool{
	"google.protobuf.Duration": true, "google.protobuf.Timestamp": true, "google.protobuf.FieldMask": true,
	"google.protobuf.Empty": true, "google.protobuf.DoubleValue": true, "google.protobuf.FloatValue": true,
	"google.protobuf.Int64Value": true, "google.protobuf.UInt64Value": true, "google.protobuf.Int32Value": true,
	"google.protobuf.UInt32Value": true, "google.protobuf.BoolValue": true, "google.protobuf.StringValue": true,
	"google.protobuf.BytesValue": true, "google.protobuf.NullValue": true,
}

// anyDefaults are the types of the Any fields of config dump sections, for the dumps (2018-era)
// whose resources carry no "@type".
var anyDefaults = func() map[protoreflect.FullName]string {
	m := map[protoreflect.FullName]string{}
	for _, v := range []struct{ admin, api string }{
		{"envoy.admin.v3", ""}, {"envoy.admin.v2alpha", "v2"},
	} {
		t := func(v3, v2 string) string {
			if v.api == "v2" {
				return v2
			}
			return v3
		}
		for field, typ := range map[string]string{
			"ClustersConfigDump.StaticCluster.cluster":                  t("envoy.config.cluster.v3.Cluster", "envoy.api.v2.Cluster"),
			"ClustersConfigDump.DynamicCluster.cluster":                 t("envoy.config.cluster.v3.Cluster", "envoy.api.v2.Cluster"),
			"ListenersConfigDump.StaticListener.listener":               t("envoy.config.listener.v3.Listener", "envoy.api.v2.Listener"),
			"ListenersConfigDump.DynamicListenerState.listener":         t("envoy.config.listener.v3.Listener", "envoy.api.v2.Listener"),
			"RoutesConfigDump.StaticRouteConfig.route_config":           t("envoy.config.route.v3.RouteConfiguration", "envoy.api.v2.RouteConfiguration"),
			"RoutesConfigDump.DynamicRouteConfig.route_config":          t("envoy.config.route.v3.RouteConfiguration", "envoy.api.v2.RouteConfiguration"),
			"SecretsConfigDump.StaticSecret.secret":                     t("envoy.extensions.transport_sockets.tls.v3.Secret", "envoy.api.v2.auth.Secret"),
			"SecretsConfigDump.DynamicSecret.secret":                    t("envoy.extensions.transport_sockets.tls.v3.Secret", "envoy.api.v2.auth.Secret"),
			"EndpointsConfigDump.StaticEndpointConfig.endpoint_config":  t("envoy.config.endpoint.v3.ClusterLoadAssignment", "envoy.api.v2.ClusterLoadAssignment"),
			"EndpointsConfigDump.DynamicEndpointConfig.endpoint_config": t("envoy.config.endpoint.v3.ClusterLoadAssignment", "envoy.api.v2.ClusterLoadAssignment"),
		} {
			m[protoreflect.FullName(v.admin+"."+field)] = typ
		}
	}
	return m
}()

// isSecretKey tells, where no schema is known, whether a member holds secret material by its
// name (in snake_case or lowerCamelCase).
func isSecretKey(key []byte) bool {
	return jsonscan.KeyIs(key, "private_key") || jsonscan.KeyIs(key, "password") || jsonscan.KeyIs(key, "pkcs12")
}

func (n *normalizer) redacting(secret bool) bool { return secret && !n.o.ShowSecrets }

func (n *normalizer) value(out *bytes.Buffer, v jsonscan.Value, md protoreflect.MessageDescriptor, secret bool) error {
	switch v.Kind() {
	case jsonscan.Object:
		return n.object(out, v, md, secret)
	case jsonscan.Array:
		out.WriteByte('[')
		first := true
		var err error
		ierr := v.Items(func(_ int, e jsonscan.Value) bool {
			if !first {
				out.WriteByte(',')
			}
			first = false
			err = n.value(out, e, md, secret)
			return err == nil
		})
		if err != nil {
			return err
		}
		if ierr != nil {
			return ierr
		}
		out.WriteByte(']')
		return nil
	case jsonscan.String:
		if n.redacting(secret) && len(v.Raw()) > 2 { // an empty secret has nothing to hide
			out.WriteString(`"` + Redacted + `"`)
			return nil
		}
		out.Write(v.Raw())
		return nil
	default:
		out.Write(v.Raw())
		return nil
	}
}

func (n *normalizer) object(out *bytes.Buffer, v jsonscan.Value, md protoreflect.MessageDescriptor, secret bool) error {
	if md != nil {
		switch name := md.FullName(); {
		case scalarTypes[name]:
			out.Write(v.Raw())
			return nil
		case structTypes[name]:
			md = nil // keys are data: walk with no schema (secret names still redacted)
		case name == "google.protobuf.Any":
			md = nil // resolved from @type below
		}
	}
	if t := v.Get("@type"); t.Exists() {
		md = n.resolve(t.Str())
		if md != nil {
			if scalarTypes[md.FullName()] {
				out.Write(v.Raw()) // {"@type": ".../google.protobuf.Duration", "value": "1s"}
				return nil
			}
			if structTypes[md.FullName()] {
				md = nil
			}
		}
	}
	if n.redacting(secret) && isDataSource(md, v) {
		return n.redactDataSource(out, v)
	}
	out.WriteByte('{')
	first := true
	var err error
	ferr := v.Fields(func(k []byte, f jsonscan.Value) bool {
		if !first {
			out.WriteByte(',')
		}
		first = false
		if string(k) == "@type" {
			writeKey(out, k)
			out.Write(f.Raw())
			return true
		}
		var fmd protoreflect.MessageDescriptor
		isMap := false
		var fd protoreflect.FieldDescriptor
		if md != nil {
			fd = findField(md, k)
		}
		if fd != nil {
			switch {
			case fd.IsMap():
				isMap = true
				if vd := fd.MapValue(); vd.Kind() == protoreflect.MessageKind {
					fmd = vd.Message()
				}
			case fd.Kind() == protoreflect.MessageKind || fd.Kind() == protoreflect.GroupKind:
				fmd = fd.Message()
				if t, ok := anyDefaults[fd.FullName()]; ok {
					fmd = lookupMessage(t) // an Any that old dumps write without its @type
				}
			}
		}
		if fd != nil {
			writeKeyString(out, string(fd.Name()))
		} else {
			writeKey(out, k)
		}
		fieldSecret := secret || (fd != nil && envoydesc.IsSensitive(fd)) || (fd == nil && isSecretKey(k))
		if isMap && f.Kind() == jsonscan.Object {
			err = n.mapValue(out, f, fmd, fieldSecret)
		} else {
			err = n.value(out, f, fmd, fieldSecret)
		}
		return err == nil
	})
	if err != nil {
		return err
	}
	if ferr != nil {
		return ferr
	}
	out.WriteByte('}')
	return nil
}

// mapValue writes a proto map: keys are data, kept as they are; values follow the value type.
func (n *normalizer) mapValue(out *bytes.Buffer, v jsonscan.Value, vmd protoreflect.MessageDescriptor, secret bool) error {
	out.WriteByte('{')
	first := true
	var err error
	ferr := v.Fields(func(k []byte, f jsonscan.Value) bool {
		if !first {
			out.WriteByte(',')
		}
		first = false
		writeKey(out, k)
		err = n.value(out, f, vmd, secret)
		return err == nil
	})
	if err != nil {
		return err
	}
	if ferr != nil {
		return ferr
	}
	out.WriteByte('}')
	return nil
}

// dataSourceLocations are the members of an envoy.config.core.v3.DataSource that say where the
// data is, which is not secret; the others (inline_bytes, inline_string) hold the data.
var dataSourceLocations = []string{"filename", "environment_variable", "watched_directory"}

var dataSourceInline = []string{"inline_bytes", "inline_string"}

func keyIn(k []byte, names []string) string {
	for _, name := range names {
		if jsonscan.KeyIs(k, name) {
			return name
		}
	}
	return ""
}

// isDataSource tells whether an object is a DataSource: by its schema, or with no schema, by
// having only DataSource members.
func isDataSource(md protoreflect.MessageDescriptor, v jsonscan.Value) bool {
	if md != nil {
		return md.Name() == "DataSource"
	}
	ok := false
	_ = v.Fields(func(k []byte, _ jsonscan.Value) bool {
		ok = keyIn(k, dataSourceLocations) != "" || keyIn(k, dataSourceInline) != ""
		return ok
	})
	return ok
}

// redactDataSource writes a DataSource with its inline content replaced: file names and
// environment variable names are kept, they are not secret.
func (n *normalizer) redactDataSource(out *bytes.Buffer, v jsonscan.Value) error {
	out.WriteByte('{')
	sep := false
	put := func(name string, raw []byte) {
		if sep {
			out.WriteByte(',')
		}
		sep = true
		writeKey(out, []byte(name))
		out.Write(raw)
	}
	inline := false
	err := v.Fields(func(k []byte, f jsonscan.Value) bool {
		if name := keyIn(k, dataSourceLocations); name != "" {
			put(name, f.Raw())
		} else if name := keyIn(k, dataSourceInline); name != "" && string(f.Raw()) == `""` {
			put(name, f.Raw()) // empty: nothing to hide
		} else if !inline {
			put("inline_string", []byte(`"`+Redacted+`"`))
			inline = true
		}
		return true
	})
	out.WriteByte('}')
	return err
}

func writeKey(out *bytes.Buffer, k []byte) {
	out.WriteByte('"')
	out.Write(k)
	out.WriteString(`":`)
}

func writeKeyString(out *bytes.Buffer, k string) {
	out.WriteByte('"')
	out.WriteString(k)
	out.WriteString(`":`)
}

// fieldIndexes maps each message descriptor to its fields by proto name and by JSON name, so
// that looking a key up allocates nothing (a map indexed with string(key) does not copy).
var fieldIndexes sync.Map // protoreflect.MessageDescriptor -> map[string]protoreflect.FieldDescriptor

func findField(md protoreflect.MessageDescriptor, key []byte) protoreflect.FieldDescriptor {
	idx, ok := fieldIndexes.Load(md)
	if !ok {
		fs := md.Fields()
		m := make(map[string]protoreflect.FieldDescriptor, 2*fs.Len())
		for i := 0; i < fs.Len(); i++ {
			fd := fs.Get(i)
			m[fd.JSONName()] = fd
			m[string(fd.Name())] = fd // the proto name wins where they clash
		}
		idx, _ = fieldIndexes.LoadOrStore(md, m)
	}
	return idx.(map[string]protoreflect.FieldDescriptor)[string(key)]
}

// resolve finds the descriptor of an Any's type URL. An unknown type is reported once and yields
// nil (its payload is then kept as it came).
func (n *normalizer) resolve(url string) protoreflect.MessageDescriptor {
	if md := envoydesc.FindMessageByURL(url); md != nil {
		return md
	}
	if url != "" {
		n.o.Warnings.Add("type:"+url, fmt.Sprintf("type %s is not known to xdsctl; its content is shown as it came", url))
	}
	return nil
}

func lookupMessage(name string) protoreflect.MessageDescriptor {
	return envoydesc.FindMessage(protoreflect.FullName(name))
}
