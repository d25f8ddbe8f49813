// Command gen writes the descriptors of every protobuf file registered by the packages it links
// (all of Envoy's API, cncf/xds and UDPA, and their imports) as xdsctl's compressed descriptor set.
//
// Options that only matter to code generators and validators (validate rules, UDPA/xDS
// annotations, versioning) are dropped, which is most of the size; map_entry, packed, json_name,
// deprecated and the like, which change how JSON is read and written, are kept, and so is
// (udpa.annotations.sensitive) on fields: the fields Envoy itself redacts, kept as an unknown
// field of FieldOptions that envoydesc.IsSensitive reads.
package main

import (
	"bytes"
	"compress/flate"
	"flag"
	"fmt"
	"os"
	"sort"

	"github.com/cncf/xds/go/udpa/annotations"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"
)

func main() {
	out := flag.String("out", "", "write the descriptor set here")
	flag.Parse()
	var files []*descriptorpb.FileDescriptorProto
	protoregistry.GlobalFiles.RangeFiles(func(fd protoreflect.FileDescriptor) bool {
		fdp := protodesc.ToFileDescriptorProto(fd)
		fdp.SourceCodeInfo = nil
		stripUnknown(fdp.ProtoReflect())
		files = append(files, fdp)
		return true
	})
	sort.Slice(files, func(i, j int) bool { return files[i].GetName() < files[j].GetName() })
	set := &descriptorpb.FileDescriptorSet{File: files}
	raw, err := proto.MarshalOptions{Deterministic: true}.Marshal(set)
	check(err)
	var buf bytes.Buffer
	zw, err := flate.NewWriter(&buf, flate.BestCompression)
	check(err)
	_, err = zw.Write(raw)
	check(err)
	check(zw.Close())
	check(os.WriteFile(*out, buf.Bytes(), 0o644))
	fmt.Fprintf(os.Stderr, "%d files, %d bytes, %d compressed\n", len(files), len(raw), buf.Len())
}

// stripUnknown clears unknown fields (extensions not linked here) and the extension options
// (annotations) of every message in m, recursively, except the sensitive mark of a field.
func stripUnknown(m protoreflect.Message) {
	m.SetUnknown(nil)
	if fo, ok := m.Interface().(*descriptorpb.FieldOptions); ok && proto.GetExtension(fo, annotations.E_Sensitive).(bool) {
		defer func() {
			b := protowire.AppendTag(nil, annotations.E_Sensitive.TypeDescriptor().Number(), protowire.VarintType)
			m.SetUnknown(protowire.AppendVarint(b, 1))
		}()
	}
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		if fd.IsExtension() {
			m.Clear(fd)
			return true
		}
		switch {
		case fd.IsList() && fd.Message() != nil:
			l := v.List()
			for i := 0; i < l.Len(); i++ {
				stripUnknown(l.Get(i).Message())
			}
		case fd.IsMap():
		case fd.Message() != nil:
			stripUnknown(v.Message())
		}
		return true
	})
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}
