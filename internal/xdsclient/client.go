// Package xdsclient asks control planes what they know about their proxies: any CSDS server
// (envoy.service.status.v3.ClientStatusDiscoveryService) and istiod's ADS debug types
// (istio.io/debug/syncz, istio.io/debug/config_dump), over plaintext or TLS with an optional
// bearer token. Messages travel as raw protobuf bytes (pkg/status decodes them), so the binary does
// not link the generated Envoy API for this.
package xdsclient

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"math"
	"os"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"

	"github.com/xdsctl/xdsctl/internal/cmdutil"
	"github.com/xdsctl/xdsctl/pkg/xdswire"
)

// Method names of the services xdsctl calls.
const (
	methodFetchClientStatus  = "/envoy.service.status.v3.ClientStatusDiscoveryService/FetchClientStatus"
	methodStreamClientStatus = "/envoy.service.status.v3.ClientStatusDiscoveryService/StreamClientStatus"
	methodADS                = "/envoy.service.discovery.v3.AggregatedDiscoveryService/StreamAggregatedResources"
)

// Options say how to reach a control plane.
type Options struct {
	// Address is host:port.
	Address string
	// Name is what messages call the control plane (default: "control plane at <Address>").
	Name string
	// Plaintext turns TLS off.
	Plaintext bool
	// CA is a PEM file of CAs that verify the server (default: the system roots).
	CA string
	// Cert and Key are a PEM client certificate and key, for mutual TLS.
	Cert, Key string
	// Insecure skips verifying the server's certificate.
	Insecure bool
	// ServerName is the name the server's certificate is checked against (default: the host of Address).
	ServerName string
	// Token is sent as "authorization: Bearer <token>" on every call.
	Token string
	// Timeout bounds each call (default 10s).
	Timeout time.Duration
	// MaxResponse bounds the size of an answer (--max-response; default cmdutil.DefaultMaxResponse,
	// at most 2 GiB - 1, gRPC's own bound).
	MaxResponse int64
}

// Conn is a connection to one control plane.
type Conn struct {
	cc   *grpc.ClientConn
	opts Options
}

// Dial prepares a connection to a control plane; it connects on the first call, and a call fails
// rather than waits when the control plane cannot be reached.
func Dial(o Options) (*Conn, error) {
	if o.Address == "" {
		return nil, cmdutil.FlagErrorf("no control plane address")
	}
	if o.Name == "" {
		o.Name = fmt.Sprintf("control plane at %s", o.Address)
	}
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	if o.MaxResponse <= 0 {
		o.MaxResponse = cmdutil.DefaultMaxResponse
	}
	o.MaxResponse = min(o.MaxResponse, math.MaxInt32)
	creds, err := transportCredentials(o)
	if err != nil {
		return nil, err
	}
	cc, err := grpc.NewClient("passthrough:///"+o.Address,
		grpc.WithTransportCredentials(creds),
		grpc.WithUserAgent("xdsctl"),
		grpc.WithDefaultCallOptions(
			grpc.ForceCodec(rawCodec{}),
			// a 10,000-proxy CSDS answer is ~5 MB, over gRPC's 4 MB default; gRPC checks a message's
			// declared length (and its inflated size) against this before it allocates
			grpc.MaxCallRecvMsgSize(int(o.MaxResponse)),
		),
	)
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", o.Name, err)
	}
	return &Conn{cc: cc, opts: o}, nil
}

// Close releases the connection.
func (c *Conn) Close() error { return c.cc.Close() }

// Name is what messages call the control plane.
func (c *Conn) Name() string { return c.opts.Name }

// Address is the control plane's host:port.
func (c *Conn) Address() string { return c.opts.Address }

func transportCredentials(o Options) (credentials.TransportCredentials, error) {
	if o.Plaintext {
		if o.CA != "" || o.Cert != "" || o.Insecure {
			return nil, cmdutil.FlagErrorf("--plaintext cannot be combined with --ca, --cert or --insecure")
		}
		return insecure.NewCredentials(), nil
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: o.ServerName, InsecureSkipVerify: o.Insecure} //nolint:gosec // --insecure is the user's choice
	if o.CA != "" {
		pem, err := os.ReadFile(o.CA)
		if err != nil {
			return nil, fmt.Errorf("read --ca file %q: %w", o.CA, errors.Unwrap(err))
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("--ca file %q holds no PEM certificate", o.CA)
		}
		cfg.RootCAs = pool
	}
	if (o.Cert == "") != (o.Key == "") {
		return nil, cmdutil.FlagErrorf("give both --cert and --key, or neither")
	}
	if o.Cert != "" {
		pair, err := tls.LoadX509KeyPair(o.Cert, o.Key)
		if err != nil {
			return nil, fmt.Errorf("load client certificate --cert %q --key %q: %w", o.Cert, o.Key, err)
		}
		cfg.Certificates = []tls.Certificate{pair}
	}
	return credentials.NewTLS(cfg), nil
}

// callContext bounds a call by the timeout and adds the bearer token.
func (c *Conn) callContext(ctx context.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	if c.opts.Token != "" {
		ctx = metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+c.opts.Token)
	}
	return ctx, cancel
}

// FetchClientStatus asks a CSDS server for the status of every client (or of the node ids given) and
// returns the ClientStatusResponse in protobuf binary form. Servers that only implement the streaming
// method are asked over a stream.
func (c *Conn) FetchClientStatus(ctx context.Context, nodeIDs ...string) ([]byte, error) {
	req := xdswire.EncodeClientStatusRequest(nodeIDs)
	cctx, cancel := c.callContext(ctx)
	defer cancel()
	var resp []byte
	err := c.cc.Invoke(cctx, methodFetchClientStatus, req, &resp)
	if isUnimplemented(err) {
		resp, err = c.oneStreamMessage(cctx, methodStreamClientStatus, req)
	}
	if err != nil {
		return nil, c.callError(ctx, cctx, "ask for client status (CSDS)", err)
	}
	return resp, nil
}

// DebugRequest sends one DiscoveryRequest for an istiod debug type (istio.io/debug/syncz,
// istio.io/debug/config_dump) over ADS and returns the first DiscoveryResponse in binary form.
func (c *Conn) DebugRequest(ctx context.Context, typeURL string, resourceNames []string, n Node) ([]byte, error) {
	req := xdswire.EncodeDiscoveryRequest(typeURL, resourceNames, n)
	cctx, cancel := c.callContext(ctx)
	defer cancel()
	resp, err := c.oneStreamMessage(cctx, methodADS, req)
	if err != nil {
		return nil, c.callError(ctx, cctx, fmt.Sprintf("ask for %s", typeURL), err)
	}
	return resp, nil
}

// oneStreamMessage opens a bidirectional stream, sends req and returns the first answer.
func (c *Conn) oneStreamMessage(ctx context.Context, method string, req []byte) ([]byte, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // ends the stream
	st, err := c.cc.NewStream(ctx, &grpc.StreamDesc{ServerStreams: true, ClientStreams: true}, method)
	if err != nil {
		return nil, err
	}
	if err := st.SendMsg(req); err != nil {
		// the real reason comes with RecvMsg
		var resp []byte
		if rerr := st.RecvMsg(&resp); rerr != nil {
			return nil, rerr
		}
		return nil, err
	}
	_ = st.CloseSend()
	var resp []byte
	if err := st.RecvMsg(&resp); err != nil {
		return nil, err
	}
	return resp, nil
}

// rawCodec passes protobuf bytes through: requests are []byte, answers *[]byte.
type rawCodec struct{}

func (rawCodec) Marshal(v any) ([]byte, error) {
	b, ok := v.([]byte)
	if !ok {
		return nil, fmt.Errorf("xdsclient: cannot marshal %T", v)
	}
	return b, nil
}

func (rawCodec) Unmarshal(data []byte, v any) error {
	p, ok := v.(*[]byte)
	if !ok {
		return fmt.Errorf("xdsclient: cannot unmarshal into %T", v)
	}
	*p = append((*p)[:0], data...)
	return nil
}

// Name is "proto", so the content type is application/grpc+proto as servers expect.
func (rawCodec) Name() string { return "proto" }
