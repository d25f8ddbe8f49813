package xdsclient

import "github.com/xdsctl/xdsctl/pkg/xdswire"

// Node is the identity a debug request presents (envoy.config.core.v3.Node).
type Node = xdswire.Node
