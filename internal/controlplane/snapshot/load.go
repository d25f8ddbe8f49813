// Package snapshot reads the bundled control plane's snapshot files (YAML or JSON, a file or a
// directory of them) into per-node go-control-plane snapshots. The format is documented in
// docs/controlplane.md.
package snapshot

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/envoyproxy/go-control-plane/pkg/cache/types"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	// go.yaml.in/yaml/v3 is the parser under sigs.k8s.io/yaml; its Node API is used directly because
	// it keeps line numbers, which errors about a user's file must name.
	yaml "go.yaml.in/yaml/v3"

	"github.com/xdsctl/xdsctl/internal/controlplane/xdsres"
	"github.com/xdsctl/xdsctl/internal/envoydesc"
	validation "github.com/xdsctl/xdsctl/pkg/validate"
)

// Config is a loaded snapshot source: resources for every node, and per-node overrides.
type Config struct {
	Source  string // the file or directory it was read from
	Version string // version_info for every type; "" means a content hash per type
	// Revision, when set, is appended to Version ("v1+3f2a9c"): the server sets it when a reload
	// changed the content but not the version, so clients still see a new version.
	Revision string
	// AllowInvalid serves resources that fail proto validation (to demonstrate a NACK).
	AllowInvalid bool
	Default      Set
	Nodes        map[string]Set
}

// Set is resources by type URL, each in file order.
type Set map[string][]Resource

// Resource is one resource with where it came from.
type Resource struct {
	Name    string
	Message types.Resource
	File    string
	Line    int
}

// topKeys are the keys allowed at the top of a snapshot file.
var topKeys = map[string]bool{"version": true, "allow_invalid": true, "resources": true, "nodes": true}

// Load reads a snapshot file, or every *.yaml, *.yml and *.json file of a directory (not recursive,
// in name order), and validates it. Errors name the file, the line and the resource.
func Load(path string) (*Config, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("load snapshot %q: %w", path, unwrapPathError(err))
	}
	files := []string{path}
	if st.IsDir() {
		entries, err := os.ReadDir(path)
		if err != nil {
			return nil, fmt.Errorf("load snapshot %q: %w", path, unwrapPathError(err))
		}
		files = files[:0]
		for _, e := range entries {
			ext := strings.ToLower(filepath.Ext(e.Name()))
			if !e.IsDir() && (ext == ".yaml" || ext == ".yml" || ext == ".json") {
				files = append(files, filepath.Join(path, e.Name()))
			}
		}
		if len(files) == 0 {
			return nil, fmt.Errorf("load snapshot %q: no .yaml, .yml or .json files in the directory", path)
		}
	}
	cfg := &Config{Source: path, Default: Set{}, Nodes: map[string]Set{}}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("load snapshot %q: %w", f, unwrapPathError(err))
		}
		part, err := Parse(f, data)
		if err != nil {
			return nil, err
		}
		if err := cfg.merge(part); err != nil {
			return nil, fmt.Errorf("load snapshot %q: %w", path, err)
		}
	}
	return cfg, nil
}

func unwrapPathError(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// Parse reads one snapshot document; name is used in errors.
func Parse(name string, data []byte) (*Config, error) {
	cfg, err := parse(name, data)
	if err != nil {
		return nil, fmt.Errorf("load snapshot %q: %w", name, err)
	}
	return cfg, nil
}

// lineError is an error about a place in the file.
type lineError struct {
	line int
	msg  string
}

func (e *lineError) Error() string {
	if e.line > 0 {
		return fmt.Sprintf("line %d: %s", e.line, e.msg)
	}
	return e.msg
}

func errAt(n *yaml.Node, format string, args ...any) error {
	line := 0
	if n != nil {
		line = n.Line
	}
	return &lineError{line: line, msg: fmt.Sprintf(format, args...)}
}

func parse(name string, data []byte) (*Config, error) {
	if err := jsonSyntax(name, data); err != nil {
		return nil, err
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, errors.New(strings.TrimPrefix(err.Error(), "yaml: "))
	}
	cfg := &Config{Source: name, Default: Set{}, Nodes: map[string]Set{}}
	if len(doc.Content) == 0 {
		return nil, errors.New("the file is empty; see docs/controlplane.md for the snapshot format")
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, errAt(root, "the top level must be a mapping with resources: and nodes:, see docs/controlplane.md")
	}
	if err := noDuplicateKeys(root); err != nil {
		return nil, err
	}
	var nodesNode *yaml.Node
	var sets []func() error
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		if !topKeys[k.Value] {
			return nil, errAt(k, "unknown field %q (want version, allow_invalid, resources or nodes)", k.Value)
		}
		switch k.Value {
		case "version":
			if v.Kind != yaml.ScalarNode {
				return nil, errAt(v, "version must be a string")
			}
			cfg.Version = v.Value
		case "allow_invalid":
			if err := v.Decode(&cfg.AllowInvalid); err != nil {
				return nil, errAt(v, "allow_invalid must be true or false")
			}
		case "resources":
			sets = append(sets, func() error { return parseSet(name, v, cfg.Default, cfg.AllowInvalid) })
		case "nodes":
			nodesNode = v
		}
	}
	for _, f := range sets {
		if err := f(); err != nil {
			return nil, err
		}
	}
	if nodesNode != nil {
		if nodesNode.Kind != yaml.MappingNode {
			return nil, errAt(nodesNode, "nodes must map a node id to its resources")
		}
		for i := 0; i+1 < len(nodesNode.Content); i += 2 {
			k, v := nodesNode.Content[i], nodesNode.Content[i+1]
			if k.Value == "" {
				return nil, errAt(k, "empty node id")
			}
			if _, dup := cfg.Nodes[k.Value]; dup {
				return nil, errAt(k, "node %q is listed twice", k.Value)
			}
			set := Set{}
			if err := parseSet(name, v, set, cfg.AllowInvalid); err != nil {
				return nil, fmt.Errorf("node %q: %w", k.Value, err)
			}
			cfg.Nodes[k.Value] = set
		}
	}
	return cfg, nil
}

// jsonSyntax reports a syntax error in a .json file with its line and column (the YAML parser,
// which reads JSON too, gives no position for most of them).
func jsonSyntax(name string, data []byte) error {
	if !strings.EqualFold(filepath.Ext(name), ".json") {
		return nil
	}
	var v any
	err := json.Unmarshal(data, &v)
	var se *json.SyntaxError
	if !errors.As(err, &se) {
		return nil
	}
	line, col := 1, 1
	for _, b := range data[:max(0, min(int(se.Offset)-1, len(data)))] {
		if b == '\n' {
			line++
			col = 1
		} else {
			col++
		}
	}
	return fmt.Errorf("line %d column %d: %s", line, col, strings.TrimPrefix(se.Error(), "json: "))
}

// noDuplicateKeys refuses a mapping that gives a key twice (the YAML parser keeps both).
func noDuplicateKeys(n *yaml.Node) error {
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		if line, dup := seen[k.Value]; dup {
			return errAt(k, "%q is given twice (also on line %d)", k.Value, line)
		}
		seen[k.Value] = k.Line
	}
	return nil
}

func kindKeys() string {
	keys := make([]string, 0, len(xdsres.Kinds))
	for _, k := range xdsres.Kinds {
		keys = append(keys, k.Key)
	}
	return strings.Join(keys, ", ")
}

func parseSet(file string, n *yaml.Node, set Set, allowInvalid bool) error {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		return errAt(n, "want a mapping of %s", kindKeys())
	}
	if err := noDuplicateKeys(n); err != nil {
		return err
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		kind, ok := kindByKey(k.Value)
		if !ok {
			return errAt(k, "unknown field %q (want %s)", k.Value, kindKeys())
		}
		if v.Kind == yaml.ScalarNode && v.Tag == "!!null" {
			continue
		}
		if v.Kind != yaml.SequenceNode {
			return errAt(v, "%s must be a list", k.Value)
		}
		seen := map[string]int{}
		for _, r := range set[kind.TypeURL] {
			seen[r.Name] = r.Line
		}
		for idx, item := range v.Content {
			msg, err := decodeResource(kind, item)
			if err != nil {
				return err
			}
			name := xdsres.Name(msg)
			where := fmt.Sprintf("%s[%d]", k.Value, idx)
			if name == "" {
				return errAt(item, "%s has no name", where)
			}
			if line, dup := seen[name]; dup {
				return errAt(item, "%s %q is defined twice (also on line %d)", kind.Singular, name, line)
			}
			seen[name] = item.Line
			if !allowInvalid {
				if err := validate(msg); err != nil {
					return errAt(item, "%s %q is invalid: %v (set allow_invalid: true to serve it anyway)", kind.Singular, name, err)
				}
			}
			set[kind.TypeURL] = append(set[kind.TypeURL], Resource{Name: name, Message: msg, File: file, Line: item.Line})
		}
	}
	return nil
}

func kindByKey(key string) (xdsres.Kind, bool) {
	for _, k := range xdsres.Kinds {
		if k.Key == key {
			return k, true
		}
	}
	return xdsres.Kind{}, false
}

var unknownField = regexp.MustCompile(`unknown field "([^"]+)"`)

// decodeResource turns one YAML item into the proto of kind, through JSON and protojson (which
// accepts both snake_case and camelCase field names and resolves typed_config "@type"s).
func decodeResource(kind xdsres.Kind, item *yaml.Node) (types.Resource, error) {
	if item.Kind != yaml.MappingNode {
		return nil, errAt(item, "a %s must be a mapping", kind.Singular)
	}
	var v any
	if err := item.Decode(&v); err != nil {
		return nil, errAt(item, "%v", err)
	}
	js, err := json.Marshal(v)
	if err != nil {
		return nil, errAt(item, "%s: %v", kind.Singular, err)
	}
	msg, err := protoTypeOf(kind.TypeURL)
	if err != nil {
		return nil, err
	}
	// typed_config "@type"s resolve to any type of the Envoy API (envoydesc's descriptors), not
	// only to the few Go types linked here.
	if err := (protojson.UnmarshalOptions{Resolver: envoydesc.Types{}}).Unmarshal(js, msg); err != nil {
		text := cleanProtoErr(err)
		at := item
		if m := unknownField.FindStringSubmatch(text); m != nil {
			if kn := findKey(item, m[1]); kn != nil {
				at = kn
			}
			text = fmt.Sprintf("unknown field %q", m[1])
		}
		label := kind.Singular
		if name := peekName(item); name != "" {
			label = fmt.Sprintf("%s %q", kind.Singular, name)
		}
		return nil, errAt(at, "%s: %s", label, text)
	}
	r, ok := msg.(types.Resource)
	if !ok {
		return nil, errAt(item, "%s is not an xDS resource", kind.Singular)
	}
	return r, nil
}

// cleanProtoErr drops protojson's "proto: (line 1:23): " prefix: its positions are in the JSON
// the YAML was converted to, not in the user's file.
func cleanProtoErr(err error) string {
	s := err.Error()
	s = strings.TrimPrefix(s, "proto:")
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "(line ") {
		if i := strings.Index(s, "): "); i >= 0 {
			s = s[i+3:]
		}
	}
	return strings.ReplaceAll(s, "\u00a0", " ")
}

// findKey returns the first mapping key named key under n, depth first.
func findKey(n *yaml.Node, key string) *yaml.Node {
	if n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == key {
				return n.Content[i]
			}
		}
	}
	for _, c := range n.Content {
		if k := findKey(c, key); k != nil {
			return k
		}
	}
	return nil
}

// peekName returns the name (or cluster_name) field of a resource mapping, for messages.
func peekName(n *yaml.Node) string {
	for i := 0; i+1 < len(n.Content); i += 2 {
		switch n.Content[i].Value {
		case "name", "cluster_name", "clusterName":
			return n.Content[i+1].Value
		}
	}
	return ""
}

func validate(m proto.Message) error {
	// The first error pkg/validate finds: what Envoy would NACK (its path and message).
	if errs := validation.Errors(validation.Message(m)); len(errs) > 0 {
		return errors.New(errs[0].String())
	}
	return nil
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// merge adds another file's content; a resource name may be defined once per scope across files.
func (c *Config) merge(o *Config) error {
	if o.Version != "" {
		if c.Version != "" && c.Version != o.Version {
			return fmt.Errorf("files disagree on version: %q and %q", c.Version, o.Version)
		}
		c.Version = o.Version
	}
	c.AllowInvalid = c.AllowInvalid || o.AllowInvalid
	if err := mergeSet(c.Default, o.Default, ""); err != nil {
		return err
	}
	for id, set := range o.Nodes {
		if c.Nodes[id] == nil {
			c.Nodes[id] = Set{}
		}
		if err := mergeSet(c.Nodes[id], set, fmt.Sprintf("node %q: ", id)); err != nil {
			return err
		}
	}
	return nil
}

func mergeSet(dst, src Set, prefix string) error {
	for typeURL, rs := range src {
		for _, r := range rs {
			for _, have := range dst[typeURL] {
				if have.Name == r.Name {
					k, _ := xdsres.KindOf(typeURL)
					return fmt.Errorf("%s%s %q is defined in %s line %d and in %s line %d", prefix, k.Singular, r.Name, have.File, have.Line, r.File, r.Line)
				}
			}
			dst[typeURL] = append(dst[typeURL], r)
		}
	}
	return nil
}

// NodeIDs returns the node ids with their own resources, sorted.
func (c *Config) NodeIDs() []string {
	ids := make([]string, 0, len(c.Nodes))
	for id := range c.Nodes {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// Equal tells whether two configs serve the same thing (used to skip no-op reloads).
func (c *Config) Equal(o *Config) bool {
	if c == nil || o == nil {
		return c == o
	}
	return bytes.Equal(c.fingerprint(), o.fingerprint())
}
