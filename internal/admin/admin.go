// Package admin talks to an Envoy admin API: over plain HTTP (--admin URL) or, through the kube
// package, over a Kubernetes port-forward. Commands only see the Client interface, so tests plug in
// an httptest server (an emulation of Envoy's admin API, not Envoy).
package admin

import (
	"context"
)

// Paths of the Envoy admin API that xdsctl reads.
const (
	PathConfigDump        = "/config_dump"
	PathConfigDumpWithEDS = "/config_dump?include_eds"
	PathClustersJSON      = "/clusters?format=json"
	PathServerInfo        = "/server_info"
	PathLogging           = "/logging"
)

// Client is one proxy's admin API. Get and Post return the body of a 200 answer, or an error
// naming the proxy and the status. Close releases what the client holds (a port-forward).
type Client interface {
	Get(ctx context.Context, path string) ([]byte, error)
	Post(ctx context.Context, path string) ([]byte, error)
	Close() error
}

// Target is one proxy to read: its display name (pod.namespace, or the admin URL) and its client.
type Target struct {
	Name   string
	Client Client
}
