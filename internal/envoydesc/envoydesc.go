// Package envoydesc knows the descriptors of Envoy's whole API — every extension type, the v2
// and v3 APIs, contrib, cncf/xds and UDPA — without linking a single generated Go package: the
// descriptors are embedded as one compressed FileDescriptorSet (envoy.pb.zz, written by go
// generate), and a file is built only when a message it declares is first asked for, with the
// protobuf runtime's own lazy builder (the one generated code uses, protoimpl.DescBuilder), so
// neither protodesc nor descriptorpb is linked: protodesc's init alone costs ~1.3 ms (it decodes
// the editions defaults, which builds descriptor.proto). Linking this package costs nothing at
// start-up; the first lookup costs a few milliseconds (inflating the set and indexing its
// declarations) and each file a few microseconds more.
//
// Descriptors built here carry no options: Options() is nil. IsSensitive says which fields Envoy
// marks sensitive; the protoc-gen-validate rules are in pkg/validate's rules.pb.zz (gen -rules). Lookups are safe for concurrent use.
package envoydesc

//go:generate ./gen/gen.sh

import (
	"bytes"
	"compress/flate"
	_ "embed"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/runtime/protoimpl"
)

//go:embed envoy.pb.zz
var packed []byte

// set is the decompressed descriptor set with an index of its top-level declarations, and the
// registry of the files built so far.
type set struct {
	mu     sync.Mutex     // serializes building files
	raw    [][]byte       // serialized FileDescriptorProto of each file
	paths  []string       // path of each file
	deps   [][]string     // the paths each file imports
	byPath map[string]int // file path -> index in raw
	bySym  map[string]int // full name of a top-level message, enum, extension or service -> file
	built  []atomic.Pointer[builtFile]
}

type builtFile struct{ fd protoreflect.FileDescriptor }

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
	s.built = make([]atomic.Pointer[builtFile], len(s.raw))
	return s, nil
}

var errCorrupt = errors.New("envoy descriptors: corrupt descriptor set")

// index records the path and top-level declarations of file number i.
func (s *set) index(i int, file []byte) error {
	var pkg string
	var names, deps []string
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
		case 3: // dependency
			deps = append(deps, string(v))
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
	s.deps = append(s.deps, deps)
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

// file builds (once) and returns file number i, with its imports, transitively, built first: the
// builder resolves names through the registry as it builds and later (lazily, when a
// descriptor's fields are first looked at), and the registry only looks among built files, so
// nothing is built re-entrantly and the lock is never taken twice.
func (s *set) file(i int) protoreflect.FileDescriptor {
	if b := s.built[i].Load(); b != nil {
		return b.fd
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.buildWithImports(i, map[int]bool{})
	return s.built[i].Load().fd
}

// buildWithImports builds file i after the files it imports (s.mu held).
func (s *set) buildWithImports(i int, visiting map[int]bool) {
	if visiting[i] || s.built[i].Load() != nil {
		return // built, or an import cycle (which protoc does not allow)
	}
	visiting[i] = true
	for _, dep := range s.deps[i] {
		if j, ok := s.byPath[dep]; ok {
			s.buildWithImports(j, visiting)
		}
	}
	protoimpl.DescBuilder{
		RawDescriptor: s.raw[i],
		TypeResolver:  noExtensions,
		FileRegistry:  (*registry)(s),
	}.Build()
}

// builtFile returns file i if it was built.
func (s *set) builtFile(i int) protoreflect.FileDescriptor {
	if b := s.built[i].Load(); b != nil {
		return b.fd
	}
	return nil
}

var noExtensions = new(protoregistry.Types)

// registry is what the builder resolves imports and type names with, as it builds and later
// (lazily, when a descriptor's fields are first looked at): it looks among built files only,
// and only at declarations (never at fields, which would start another file's lazy
// initialization from inside one), with no lock.
type registry set

func (r *registry) FindFileByPath(path string) (protoreflect.FileDescriptor, error) {
	s := (*set)(r)
	if i, ok := s.byPath[path]; ok {
		if fd := s.builtFile(i); fd != nil {
			return fd, nil
		}
	}
	return nil, protoregistry.NotFound
}

func (r *registry) FindDescriptorByName(name protoreflect.FullName) (protoreflect.Descriptor, error) {
	return (*set)(r).lookup(name)
}

// RegisterFile is called by the builder, under s.mu.
func (r *registry) RegisterFile(fd protoreflect.FileDescriptor) error {
	s := (*set)(r)
	if i, ok := s.byPath[fd.Path()]; ok && s.built[i].Load() == nil {
		s.built[i].Store(&builtFile{fd})
	}
	return nil
}

// lookup finds a message, enum, extension or service declared in a built file.
func (s *set) lookup(name protoreflect.FullName) (protoreflect.Descriptor, error) {
	for top := name; top != ""; top = top.Parent() {
		i, ok := s.bySym[string(top)]
		if !ok {
			continue
		}
		fd := s.builtFile(i)
		if fd == nil {
			return nil, protoregistry.NotFound
		}
		if d := declIn(fd, top, name); d != nil {
			return d, nil
		}
		return nil, protoregistry.NotFound
	}
	return nil, protoregistry.NotFound
}

// declIn finds name (top or nested in it) among the declarations of fd.
func declIn(fd protoreflect.FileDescriptor, top, name protoreflect.FullName) protoreflect.Descriptor {
	short := top.Name()
	if md := fd.Messages().ByName(short); md != nil {
		return nestedIn(md, name[len(top):])
	}
	if top != name {
		return nil
	}
	if ed := fd.Enums().ByName(short); ed != nil {
		return ed
	}
	if xd := fd.Extensions().ByName(short); xd != nil {
		return xd
	}
	if sd := fd.Services().ByName(short); sd != nil {
		return sd
	}
	return nil
}

// nestedIn follows rest (".B.C" or "") through the messages and enums nested in md.
func nestedIn(md protoreflect.MessageDescriptor, rest protoreflect.FullName) protoreflect.Descriptor {
	for rest != "" {
		rest = rest[1:]
		part, after := rest, protoreflect.FullName("")
		if j := strings.IndexByte(string(rest), '.'); j >= 0 {
			part, after = rest[:j], rest[j:]
		}
		if next := md.Messages().ByName(protoreflect.Name(part)); next != nil {
			md, rest = next, after
			continue
		}
		if after == "" {
			if ed := md.Enums().ByName(protoreflect.Name(part)); ed != nil {
				return ed
			}
		}
		return nil
	}
	return md
}

// find returns the descriptor of a full name, building the file that declares it.
func (s *set) find(name protoreflect.FullName) (protoreflect.Descriptor, error) {
	for top := name; top != ""; top = top.Parent() {
		if i, ok := s.bySym[string(top)]; ok {
			s.file(i)
			return s.lookup(name)
		}
	}
	return nil, protoregistry.NotFound
}

func find(name protoreflect.FullName) (protoreflect.Descriptor, error) {
	s, err := load()
	if err != nil {
		return nil, err
	}
	return s.find(name)
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

// FindDescriptorByName returns a message, enum, extension or service declared in the Envoy API,
// by full name (fields and enum values are found through their parent).
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

// IsSensitive tells whether Envoy marks the field sensitive ((udpa.annotations.sensitive)): a
// private key, a password, a token, a generic secret. Envoy redacts these in its own config
// dump; xdsctl redacts them in every output unless --show-secrets.
func IsSensitive(fd protoreflect.FieldDescriptor) bool {
	name := string(fd.FullName())
	i := sort.SearchStrings(sensitive[:], name)
	return i < len(sensitive) && sensitive[i] == name
}
