package configdump

import (
	"bytes"
	"fmt"

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
// extension, contrib included, built lazily). Key order is kept. The payload of an Any whose type xdsctl
// does not know is kept verbatim and named once in a warning. Private keys, passwords and other
// secret material are redacted unless ShowSecrets is set.
func Normalize(raw []byte, o NormalizeOptions) ([]byte, error) {
	v := jsonscan.New(raw)
	var md protoreflect.MessageDescriptor
	if v.Kind() == jsonscan.Object && v.Get("configs").Exists() && !v.Get("@type").Exists() {
		md = lookupMessage("envoy.admin.v3.ConfigDump")
	} else if o.Type != "" {
		md = lookupMessage(o.Type)
	}
	n := normalizer{o: o}
	var out bytes.Buffer
	out.Grow(len(raw))
	if err := n.value(&out, v, md, false); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

type normalizer struct{ o NormalizeOptions }

// wellKnownVerbatim are message types whose JSON form is not field-by-field.
var wellKnownVerbatim = map[protoreflect.FullName]bool{
	"google.protobuf.Struct": true, "google.protobuf.Value": true, "google.protobuf.ListValue": true,
	"google.protobuf.Duration": true, "google.protobuf.Timestamp": true, "google.protobuf.FieldMask": true,
	"google.protobuf.Empty": true, "google.protobuf.DoubleValue": true, "google.protobuf.FloatValue": true,
	"google.protobuf.Int64Value": true, "google.protobuf.UInt64Value": true, "google.protobuf.Int32Value": true,
	"google.protobuf.UInt32Value": true, "google.protobuf.BoolValue": true, "google.protobuf.StringValue": true,
	"google.protobuf.BytesValue": true, "google.protobuf.NullValue": true,
}

// isSecretKey tells whether a field holds secret material: TlsCertificate.private_key, .password
// and .pkcs12 in any context; GenericSecret.secret and TlsSessionTicketKeys.keys where the schema
// says they are DataSources (schemaKnown).
func isSecretKey(key []byte, schemaKnown bool) bool {
	for _, k := range []string{"private_key", "password", "pkcs12"} {
		if jsonscan.KeyIs(key, k) {
			return true
		}
	}
	return schemaKnown && (jsonscan.KeyIs(key, "secret") || jsonscan.KeyIs(key, "keys"))
}

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
		if secret && !n.o.ShowSecrets {
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
	if md != nil && wellKnownVerbatim[md.FullName()] {
		out.Write(v.Raw())
		return nil
	}
	if md != nil && md.FullName() == "google.protobuf.Any" {
		md = nil // resolved from @type below
	}
	if t := v.Get("@type"); t.Exists() {
		url := t.Str()
		md = n.resolve(url)
		if md != nil && wellKnownVerbatim[md.FullName()] {
			out.Write(v.Raw()) // {"@type": ".../google.protobuf.Struct", "value": {...}}
			return nil
		}
	}
	if secret && !n.o.ShowSecrets {
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
		name := k
		var fmd protoreflect.MessageDescriptor
		isMap := false
		if md != nil && string(k) != "@type" {
			if fd := findField(md, string(k)); fd != nil {
				name = []byte(fd.Name())
				switch {
				case fd.IsMap():
					isMap = true
					if vd := fd.MapValue(); vd.Kind() == protoreflect.MessageKind {
						fmd = vd.Message()
					}
				case fd.Kind() == protoreflect.MessageKind || fd.Kind() == protoreflect.GroupKind:
					fmd = fd.Message()
				}
			}
		}
		writeKey(out, name)
		fieldSecret := secret || (isDataSource(fmd) && isSecretKey(k, true)) || (fmd == nil && isSecretKey(k, false))
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

// redactDataSource writes a DataSource (or any object under a secret key) with its inline
// content replaced: file names and environment variable names are kept, they are not secret.
func (n *normalizer) redactDataSource(out *bytes.Buffer, v jsonscan.Value) error {
	out.WriteByte('{')
	first := true
	wrote := false
	err := v.Fields(func(k []byte, f jsonscan.Value) bool {
		if jsonscan.KeyIs(k, "filename") || jsonscan.KeyIs(k, "environment_variable") || string(k) == "@type" {
			if !first {
				out.WriteByte(',')
			}
			first = false
			writeKey(out, k)
			out.Write(f.Raw())
			return true
		}
		if !wrote {
			if !first {
				out.WriteByte(',')
			}
			first = false
			out.WriteString(`"inline_string":"` + Redacted + `"`)
			wrote = true
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

func isDataSource(md protoreflect.MessageDescriptor) bool {
	return md != nil && md.Name() == "DataSource"
}

func findField(md protoreflect.MessageDescriptor, key string) protoreflect.FieldDescriptor {
	fs := md.Fields()
	if fd := fs.ByName(protoreflect.Name(key)); fd != nil {
		return fd
	}
	if fd := fs.ByJSONName(key); fd != nil {
		return fd
	}
	return nil
}

// resolve finds the descriptor of an Any's type URL. An unknown type is reported once and yields
// nil (its payload is then kept verbatim).
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
