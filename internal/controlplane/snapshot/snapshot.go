package snapshot

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"

	"github.com/envoyproxy/go-control-plane/pkg/cache/types"
	cachev3 "github.com/envoyproxy/go-control-plane/pkg/cache/v3"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoregistry"

	"github.com/xdsctl/xdsctl/internal/controlplane/xdsres"
)

func protoTypeOf(typeURL string) (proto.Message, error) {
	mt, err := protoregistry.GlobalTypes.FindMessageByURL(typeURL)
	if err != nil {
		return nil, fmt.Errorf("type %s is not linked in: %w", typeURL, err)
	}
	return mt.New().Interface(), nil
}

// Resources returns the resources a node gets, by type URL, sorted by name: the shared resources
// with the node's own merged over them (a node's resource replaces a shared one of the same name).
func (c *Config) Resources(nodeID string) map[string][]Resource {
	out := map[string][]Resource{}
	for _, k := range xdsres.Kinds {
		byName := map[string]Resource{}
		for _, r := range c.Default[k.TypeURL] {
			byName[r.Name] = r
		}
		for _, r := range c.Nodes[nodeID][k.TypeURL] {
			byName[r.Name] = r
		}
		rs := make([]Resource, 0, len(byName))
		for _, r := range byName {
			rs = append(rs, r)
		}
		sort.Slice(rs, func(i, j int) bool { return rs[i].Name < rs[j].Name })
		out[k.TypeURL] = rs
	}
	return out
}

// Versions returns the version_info of each type for a node: the file's version when it sets one,
// otherwise a hash of that type's resources, so a type whose resources did not change is not resent.
func (c *Config) Versions(nodeID string) map[string]string {
	out := map[string]string{}
	for typeURL, rs := range c.Resources(nodeID) {
		if c.Version != "" {
			out[typeURL] = c.Version
			if c.Revision != "" {
				out[typeURL] += "+" + c.Revision
			}
			continue
		}
		out[typeURL] = hashResources(rs)
	}
	return out
}

func hashResources(rs []Resource) string {
	h := sha256.New()
	opts := proto.MarshalOptions{Deterministic: true}
	for _, r := range rs {
		b, err := opts.Marshal(r.Message)
		if err != nil {
			b = []byte(r.Name)
		}
		fmt.Fprintf(h, "%s\x00%d\x00", r.Name, len(b))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
}

// ForNode builds the go-control-plane snapshot a node is served.
func (c *Config) ForNode(nodeID string) *cachev3.Snapshot {
	snap := &cachev3.Snapshot{}
	versions := c.Versions(nodeID)
	for typeURL, rs := range c.Resources(nodeID) {
		items := make([]types.Resource, 0, len(rs))
		for _, r := range rs {
			items = append(items, r.Message)
		}
		snap.Resources[cachev3.GetResponseType(typeURL)] = cachev3.NewResources(versions[typeURL], items)
	}
	return snap
}

// Fingerprint is a short hash of what the config serves (its version and resources, not its
// Revision).
func (c *Config) Fingerprint() string {
	return hex.EncodeToString(c.fingerprint())[:6]
}

func (c *Config) fingerprint() []byte {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00", c.Version)
	hashSet := func(s Set) {
		for _, k := range xdsres.Kinds {
			rs := append([]Resource(nil), s[k.TypeURL]...)
			sort.Slice(rs, func(i, j int) bool { return rs[i].Name < rs[j].Name })
			fmt.Fprintf(h, "%s\x00%s\x00", k.TypeURL, hashResources(rs))
		}
	}
	hashSet(c.Default)
	for _, id := range c.NodeIDs() {
		fmt.Fprintf(h, "node\x00%s\x00", id)
		hashSet(c.Nodes[id])
	}
	return h.Sum(nil)
}

// Empty is a config with no resources.
func Empty() *Config {
	return &Config{Source: "(empty)", Default: Set{}, Nodes: map[string]Set{}}
}
