// Package envoydesc knows the descriptors of Envoy's whole API — every extension type, the v2
// and v3 APIs, cncf/xds and UDPA — without linking a single generated Go package: the
// descriptors are embedded as one compressed FileDescriptorSet (envoy.pb.zz, written by go
// generate), and a file is built with protodesc only when a message it declares is first asked
// for. Linking this package costs nothing at start-up; the first lookup costs a few milliseconds
// (decompressing the set and indexing its declarations) and each file built a few more.
//
// Lookups are safe for concurrent use.
package envoydesc

//go:generate ./gen/gen.sh

import (
	"bytes"
	"compress/flate"
	_ "embed"
	"errors"
	"fmt"
	"strings"
	"sync"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"
)

//go:embed envoy.pb.zz
var packed []byte

// set is the decompressed descriptor set with an index of its top-level declarations.
type set struct {
	mu     sync.Mutex
	raw    [][]byte       // serialized FileDescriptorProto of each file
	paths  []string       // path of each file
	byPath map[string]int // file path -> index in raw
	bySym  map[string]int // full name of a top-level message, enum, extension or service -> file
	built  protoregistry.Files
}

var (
	loadOnce sync.Once
	loaded   *set
	loadErr  error
)

func load() (*set, error) {
	loadOnce.Do(func() { loaded, loadErr = unpack(packed) })
	return loaded, loadErr
}

// unpack decompresses a set and indexes its files' declarations without unmarshaling them.
func unpack(z []byte) (*set, error) {
	var buf bytes.Buffer
	buf.Grow(5 * len(z)) // the set compresses about 4.5:1
	if _, err := buf.ReadFrom(flate.NewReader(bytes.NewReader(z))); err != nil {
		return nil, fmt.Errorf("envoy descriptors: %w", err)
	}
	data := buf.Bytes()
	s := &set{byPath: map[string]int{}, bySym: make(map[string]int, 8192)}
	for len(data) > 0 {
		num, typ, n := protowire.ConsumeTag(data)
		if n < 0 {
			return nil, errCorrupt
		}
		data = data[n:]
		if num != 1 || typ != protowire.BytesType { // FileDescriptorSet.file
			n = protowire.ConsumeFieldValue(num, typ, data)
			if n < 0 {
				return nil, errCorrupt
			}
			data = data[n:]
			continue
		}
		file, n := protowire.ConsumeBytes(data)
		if n < 0 {
			return nil, errCorrupt
		}
		data = data[n:]
		if err := s.index(len(s.raw), file); err != nil {
			return nil, err
		}
		if len(s.paths) != len(s.raw)+1 {
			return nil, errCorrupt // a file without exactly one name
		}
		s.raw = append(s.raw, file)
	}
	return s, nil
}

var errCorrupt = errors.New("envoy descriptors: corrupt descriptor set")

// index records the path and top-level declarations of file number i.
func (s *set) index(i int, file []byte) error {
	var pkg string
	var names []string
	for b := file; len(b) > 0; {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return errCorrupt
		}
		b = b[n:]
		if typ != protowire.BytesType {
			n = protowire.ConsumeFieldValue(num, typ, b)
			if n < 0 {
				return errCorrupt
			}
			b = b[n:]
			continue
		}
		v, n := protowire.ConsumeBytes(b)
		if n < 0 {
			return errCorrupt
		}
		b = b[n:]
		switch num {
		case 1: // name
			s.byPath[string(v)] = i
			s.paths = append(s.paths, string(v))
		case 2: // package
			pkg = string(v)
		case 4, 5, 6, 7: // message_type, enum_type, service, extension: field 1 is the name in each
			names = append(names, declName(v))
		}
	}
	for _, n := range names {
		if pkg != "" {
			n = pkg + "." + n
		}
		s.bySym[n] = i
	}
	return nil
}

// declName returns field 1 (name) of a serialized declaration.
func declName(b []byte) string {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return ""
		}
		b = b[n:]
		if num == 1 && typ == protowire.BytesType {
			v, _ := protowire.ConsumeBytes(b)
			return string(v)
		}
		n = protowire.ConsumeFieldValue(num, typ, b)
		if n < 0 {
			return ""
		}
		b = b[n:]
	}
	return ""
}

// file builds (once) and returns file number i with its imports. s.mu is held.
func (s *set) file(i int) (protoreflect.FileDescriptor, error) {
	if fd, err := s.built.FindFileByPath(s.paths[i]); err == nil {
		return fd, nil
	}
	fdp := &descriptorpb.FileDescriptorProto{}
	// no extension resolver: option extensions (the sensitive mark) stay unknown fields, whether
	// or not the binary happens to link their Go packages
	if err := (proto.UnmarshalOptions{Resolver: noExtensions}).Unmarshal(s.raw[i], fdp); err != nil {
		return nil, fmt.Errorf("envoy descriptors: %w", err)
	}
	fd, err := protodesc.NewFile(fdp, (*resolver)(s))
	if err != nil {
		return nil, fmt.Errorf("envoy descriptors: build %s: %w", fdp.GetName(), err)
	}
	if err := s.built.RegisterFile(fd); err != nil {
		return nil, fmt.Errorf("envoy descriptors: %w", err)
	}
	return fd, nil
}

var noExtensions = new(protoregistry.Types)

// resolver gives protodesc the imports of a file being built, building them first. Names are
// looked up among built files only: protodesc resolves every import before any name.
type resolver set

func (r *resolver) FindFileByPath(path string) (protoreflect.FileDescriptor, error) {
	s := (*set)(r)
	if fd, err := s.built.FindFileByPath(path); err == nil {
		return fd, nil
	}
	i, ok := s.byPath[path]
	if !ok {
		return nil, protoregistry.NotFound
	}
	return s.file(i)
}

func (r *resolver) FindDescriptorByName(name protoreflect.FullName) (protoreflect.Descriptor, error) {
	return (*set)(r).built.FindDescriptorByName(name)
}

// find returns the descriptor of a full name, building the file that declares it.
func find(name protoreflect.FullName) (protoreflect.Descriptor, error) {
	s, err := load()
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if d, err := s.built.FindDescriptorByName(name); err == nil {
		return d, nil
	}
	// a nested name lives in the file of its top-level parent
	for top := name; top != ""; top = top.Parent() {
		if i, ok := s.bySym[string(top)]; ok {
			if _, err := s.file(i); err != nil {
				return nil, err
			}
			return s.built.FindDescriptorByName(name)
		}
	}
	return nil, protoregistry.NotFound
}

// FindMessage returns the descriptor of the message with the given full name
// ("envoy.config.cluster.v3.Cluster"), or nil when the Envoy API has no such message.
func FindMessage(name protoreflect.FullName) protoreflect.MessageDescriptor {
	d, err := find(name)
	if err != nil {
		return nil
	}
	md, _ := d.(protoreflect.MessageDescriptor)
	return md
}

// FindMessageByURL is FindMessage for an Any's type URL ("type.googleapis.com/envoy.config.cluster.v3.Cluster").
func FindMessageByURL(url string) protoreflect.MessageDescriptor {
	return FindMessage(protoreflect.FullName(url[strings.LastIndexByte(url, '/')+1:]))
}

// FindDescriptorByName returns any descriptor (message, enum, field, service...) by full name.
func FindDescriptorByName(name protoreflect.FullName) (protoreflect.Descriptor, error) {
	return find(name)
}

// FileCount returns the number of files in the embedded set.
func FileCount() int {
	s, err := load()
	if err != nil {
		return 0
	}
	return len(s.raw)
}

// sensitiveField is the number of the (udpa.annotations.sensitive) field option.
const sensitiveField = 76569463

// IsSensitive tells whether Envoy marks the field sensitive ((udpa.annotations.sensitive)): a
// private key, a password, a token, a generic secret. Envoy redacts these in its own config
// dump; xdsctl redacts them in every output unless --show-secrets. Only descriptors from this
// package carry the mark.
func IsSensitive(fd protoreflect.FieldDescriptor) bool {
	opts, ok := fd.Options().(*descriptorpb.FieldOptions)
	if !ok || opts == nil {
		return false
	}
	for b := opts.ProtoReflect().GetUnknown(); len(b) > 0; {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return false
		}
		b = b[n:]
		if num == sensitiveField && typ == protowire.VarintType {
			v, n := protowire.ConsumeVarint(b)
			return n > 0 && v != 0
		}
		n = protowire.ConsumeFieldValue(num, typ, b)
		if n < 0 {
			return false
		}
		b = b[n:]
	}
	return false
}
