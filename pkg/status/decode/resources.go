package decode

import (
	"fmt"

	"github.com/xdsctl/xdsctl/pkg/status"
	"github.com/xdsctl/xdsctl/pkg/xdswire"
)

// SentResource is one resource a control plane reports about a node in CSDS (a generic_xds_configs
// entry with a name and the resource in xds_config): what it sent, for comparing with the proxy.
type SentResource struct {
	TypeURL, Name, Version string
	State                  status.State
	// Config is the resource in binary form; ConfigJSON in JSON form (from a JSON response).
	Config     xdswire.Any
	ConfigJSON []byte
}

// NodeConfig is what a CSDS response says about one node.
type NodeConfig struct {
	// Resources are the entries that carry a resource.
	Resources []SentResource
	// TypesReported are the type URLs the control plane reported for the node, with or without resources.
	TypesReported []string
}

// NodeResources finds the node in a CSDS ClientStatusResponse (binary) and returns the resources the
// control plane reports for it; found is false when the node is not in the response.
func NodeResources(resp []byte, nodeID string) (nc *NodeConfig, found bool, err error) {
	ccs, err := clientConfigs(resp)
	if err != nil {
		return nil, false, err
	}
	for i, raw := range ccs {
		cc, err := parseClientConfig(raw)
		if err != nil {
			return nil, false, fmt.Errorf("decode CSDS response: client config %d: %w", i, err)
		}
		if cc.node.id == nodeID {
			return nodeConfigOf(cc), true, nil
		}
	}
	return nil, false, nil
}

// NodeResourcesJSON is NodeResources for a CSDS response in JSON form.
func NodeResourcesJSON(resp []byte, nodeID string) (nc *NodeConfig, found bool, err error) {
	v, err := decodeJSON(resp)
	if err != nil {
		return nil, false, fmt.Errorf("decode CSDS response: %w", err)
	}
	for _, c := range jarray(jget(jobject(v), "config")) {
		cc := clientConfigJSON(jobject(c))
		if cc.node.id == nodeID {
			return nodeConfigOf(cc), true, nil
		}
	}
	return nil, false, nil
}

// NodeIDs lists the node ids of a CSDS response in JSON form (for messages naming what is there).
func NodeIDs(resp []byte) []string {
	v, err := decodeJSON(resp)
	if err != nil {
		return nil
	}
	var out []string
	for _, c := range jarray(jget(jobject(v), "config")) {
		out = append(out, clientConfigJSON(jobject(c)).node.id)
	}
	return out
}

func nodeConfigOf(cc *clientConfig) *NodeConfig {
	nc := &NodeConfig{}
	seen := map[string]bool{}
	for i := range cc.generic {
		g := &cc.generic[i]
		if !seen[g.typeURL] {
			seen[g.typeURL] = true
			nc.TypesReported = append(nc.TypesReported, g.typeURL)
		}
		if g.name == "" || !g.hasConfig {
			continue
		}
		rs, _, _ := resourceFromGeneric(g)
		nc.Resources = append(nc.Resources, SentResource{
			TypeURL: g.typeURL, Name: g.name, Version: g.version, State: rs.State, Config: g.config, ConfigJSON: g.configJSON,
		})
	}
	return nc
}
