// Package grpcpeer starts a real gRPC-Go proxyless xDS client as a separate process and reads
// its own view of its config over gRPC's CSDS (google.golang.org/grpc/admin). The process side is
// package child; this side does not link google.golang.org/grpc/xds.
//
//	p, err := grpcpeer.Start(ctx, grpcpeer.Options{
//		Command: []string{os.Args[0]}, Env: []string{child.Env + "=1"}, // a test binary re-exec'd
//		XDS: cp.Addr(), NodeID: "grpc-client", Targets: []string{"greeter"},
//	})
//	defer p.Close()
//	resp, err := p.ClientStatus(ctx) // per resource: ACKED, NACKED (with the error), REQUESTED, DOES_NOT_EXIST
package grpcpeer

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sort"
	"strings"
	"sync"
	"time"

	adminv3 "github.com/envoyproxy/go-control-plane/envoy/admin/v3"
	statusv3 "github.com/envoyproxy/go-control-plane/envoy/service/status/v3"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

// AdminLinePrefix matches child.AdminLinePrefix (not imported: it would link grpc/xds).
const AdminLinePrefix = "grpc-peer admin "

// Options say how to run the peer.
type Options struct {
	// Command runs the child: a program and its first arguments (such as the xdsctl
	// binary and "grpc-peer", or a test binary); -target flags are appended.
	Command []string
	// Env is added to the child's environment.
	Env []string
	// XDS is the control plane's address; NodeID the node id in the bootstrap.
	XDS    string
	NodeID string
	// Targets are dialled as xds:///<target>.
	Targets []string
	// Stderr receives the child's stderr (gRPC's own logs); nil discards it.
	Stderr io.Writer
}

// Peer is a running gRPC client process.
type Peer struct {
	cmd       *exec.Cmd
	stdin     io.WriteCloser
	adminAddr string
	conn      *grpc.ClientConn
	waitErr   chan error
	closeOnce sync.Once
}

// Bootstrap is the gRPC xDS bootstrap JSON for a control plane at addr and a node id.
func Bootstrap(addr, nodeID string) string {
	b, _ := json.Marshal(map[string]any{
		"xds_servers": []any{map[string]any{
			"server_uri":      addr,
			"channel_creds":   []any{map[string]string{"type": "insecure"}},
			"server_features": []string{},
		}},
		"node": map[string]any{"id": nodeID, "cluster": "grpc-proxyless", "locality": map[string]string{}},
	})
	return string(b)
}

// Start runs the child and waits (up to ctx) until its admin server listens.
func Start(ctx context.Context, o Options) (*Peer, error) {
	if len(o.Command) == 0 {
		return nil, errors.New("grpc peer: no command to run")
	}
	args := append([]string(nil), o.Command[1:]...)
	for _, t := range o.Targets {
		args = append(args, "-target", t)
	}
	cmd := exec.Command(o.Command[0], args...)
	cmd.Env = append(append(os.Environ(), o.Env...), "GRPC_XDS_BOOTSTRAP_CONFIG="+Bootstrap(o.XDS, o.NodeID))
	cmd.Stderr = o.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start the gRPC xDS client %q: %w", o.Command[0], err)
	}
	p := &Peer{cmd: cmd, stdin: stdin, waitErr: make(chan error, 1)}
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), AdminLinePrefix) {
				lines <- strings.TrimPrefix(sc.Text(), AdminLinePrefix)
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
	}()
	go func() { p.waitErr <- cmd.Wait() }()
	select {
	case addr := <-lines:
		p.adminAddr = addr
	case err := <-p.waitErr:
		p.waitErr <- err
		return nil, fmt.Errorf("the gRPC xDS client exited before it was ready: %v", err)
	case <-ctx.Done():
		p.Close()
		return nil, fmt.Errorf("the gRPC xDS client did not start: %w", ctx.Err())
	}
	conn, err := grpc.NewClient(p.adminAddr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		p.Close()
		return nil, err
	}
	p.conn = conn
	return p, nil
}

// AdminAddr is the address of the child's gRPC admin server (CSDS, channelz).
func (p *Peer) AdminAddr() string { return p.adminAddr }

// Pid is the child's process id.
func (p *Peer) Pid() int { return p.cmd.Process.Pid }

// ClientStatus asks the child's own CSDS for its view of its xDS config.
func (p *Peer) ClientStatus(ctx context.Context) (*statusv3.ClientStatusResponse, error) {
	return statusv3.NewClientStatusDiscoveryServiceClient(p.conn).FetchClientStatus(ctx, &statusv3.ClientStatusRequest{})
}

// Close ends the child (closing its stdin, then killing it after 3 s) and waits for it.
func (p *Peer) Close() error {
	var err error
	p.closeOnce.Do(func() {
		if p.conn != nil {
			p.conn.Close()
		}
		p.stdin.Close()
		select {
		case err = <-p.waitErr:
		case <-time.After(3 * time.Second):
			_ = p.cmd.Process.Kill()
			err = <-p.waitErr
		}
	})
	return err
}

// Resources is a CSDS response's per-resource entries keyed "<SHORT TYPE> <name>" ("CDS greeter");
// the per-type summary entries (no name) are left out.
func Resources(resp *statusv3.ClientStatusResponse) map[string]*statusv3.ClientConfig_GenericXdsConfig {
	out := map[string]*statusv3.ClientConfig_GenericXdsConfig{}
	for _, cc := range resp.GetConfig() {
		for _, g := range cc.GetGenericXdsConfigs() {
			if g.GetName() != "" {
				out[shortType(g.GetTypeUrl())+" "+g.GetName()] = g
			}
		}
	}
	return out
}

func shortType(typeURL string) string {
	switch typeURL {
	case "type.googleapis.com/envoy.config.listener.v3.Listener":
		return "LDS"
	case "type.googleapis.com/envoy.config.route.v3.RouteConfiguration":
		return "RDS"
	case "type.googleapis.com/envoy.config.cluster.v3.Cluster":
		return "CDS"
	case "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment":
		return "EDS"
	case "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret":
		return "SDS"
	}
	return typeURL
}

// Compare lists where a client's own CSDS (client_status per resource) and the control plane's
// CSDS for the same node (config_status per resource) disagree: ACKED must be SYNCED, NACKED must
// be ERROR with the same error text, REQUESTED or DOES_NOT_EXIST must be NOT_SENT, and neither may
// list a resource the other does not. Empty means they agree.
func Compare(client, controlPlane *statusv3.ClientStatusResponse) []string {
	c, p := Resources(client), Resources(controlPlane)
	var out []string
	for k, g := range c {
		want := map[adminv3.ClientResourceStatus]statusv3.ConfigStatus{
			adminv3.ClientResourceStatus_ACKED:          statusv3.ConfigStatus_SYNCED,
			adminv3.ClientResourceStatus_NACKED:         statusv3.ConfigStatus_ERROR,
			adminv3.ClientResourceStatus_REQUESTED:      statusv3.ConfigStatus_NOT_SENT,
			adminv3.ClientResourceStatus_DOES_NOT_EXIST: statusv3.ConfigStatus_NOT_SENT,
		}[g.GetClientStatus()]
		r, ok := p[k]
		switch {
		case !ok:
			out = append(out, fmt.Sprintf("%s: the client says %s, the control plane has no entry", k, g.GetClientStatus()))
		case r.GetConfigStatus() != want:
			out = append(out, fmt.Sprintf("%s: the client says %s, the control plane says %s (want %s)", k, g.GetClientStatus(), r.GetConfigStatus(), want))
		case g.GetClientStatus() == adminv3.ClientResourceStatus_NACKED && g.GetErrorState().GetDetails() != r.GetErrorState().GetDetails():
			out = append(out, fmt.Sprintf("%s: the client's error %q, the control plane's %q", k, g.GetErrorState().GetDetails(), r.GetErrorState().GetDetails()))
		}
	}
	for k, r := range p {
		if _, ok := c[k]; !ok {
			out = append(out, fmt.Sprintf("%s: the control plane says %s, the client has no entry", k, r.GetConfigStatus()))
		}
	}
	sort.Strings(out)
	return out
}
