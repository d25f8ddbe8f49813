// Package child is the process side of grpcpeer: a real gRPC-Go proxyless xDS client (the
// google.golang.org/grpc/xds resolver and balancers, not an emulation) that dials xds:///<target>
// for each target and serves gRPC's own admin services (CSDS, channelz) on a loopback port.
//
// gRPC reads its xDS bootstrap when the process starts, so this runs as a separate process:
// xdsctl's hidden `grpc-peer` command (xdsctl runs itself), or a test binary that re-execs
// itself (see IsChild).
package child

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"

	"google.golang.org/grpc"
	"google.golang.org/grpc/admin"
	"google.golang.org/grpc/credentials/insecure"
	_ "google.golang.org/grpc/xds" // the xds:/// resolver, xDS balancers and CSDS for admin.Register
)

// Env is set to "1" in the environment of a test binary re-executed as the gRPC peer.
const Env = "XDSCTL_GRPC_PEER_CHILD"

// IsChild tells whether this process was started as the gRPC peer of a test.
func IsChild() bool { return os.Getenv(Env) == "1" }

// ExitIfChild runs Main with the process's arguments and streams, then exits, when this process
// is a test binary re-executed as the gRPC peer; otherwise it returns. A TestMain calls it first.
func ExitIfChild() {
	if !IsChild() {
		return
	}
	if err := Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(0)
}

// AdminLinePrefix starts the line Main prints on stdout once its admin server listens:
// "grpc-peer admin 127.0.0.1:PORT".
const AdminLinePrefix = "grpc-peer admin "

// Main dials xds:///<target> for every -target, serves gRPC's admin services on a free loopback
// port, prints the admin line on stdout, and runs until stdin is closed (so it never outlives
// its parent). The xDS bootstrap comes from GRPC_XDS_BOOTSTRAP_CONFIG or GRPC_XDS_BOOTSTRAP.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("grpc-peer", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var targets multi
	fs.Var(&targets, "target", "dial xds:///`name` (repeatable)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if len(targets) == 0 {
		return errors.New("grpc-peer: give at least one -target")
	}
	if os.Getenv("GRPC_XDS_BOOTSTRAP_CONFIG") == "" && os.Getenv("GRPC_XDS_BOOTSTRAP") == "" {
		return errors.New("grpc-peer: no xDS bootstrap: set GRPC_XDS_BOOTSTRAP_CONFIG")
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("grpc-peer: admin server: %w", err)
	}
	srv := grpc.NewServer()
	cleanup, err := admin.Register(srv)
	if err != nil {
		return fmt.Errorf("grpc-peer: register admin services: %w", err)
	}
	defer cleanup()
	go func() { _ = srv.Serve(lis) }()
	defer srv.Stop()

	for _, t := range targets {
		cc, err := grpc.NewClient("xds:///"+t, grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			return fmt.Errorf("grpc-peer: dial xds:///%s: %w", t, err)
		}
		defer cc.Close()
		cc.Connect() // leave idle mode: the xDS resolver starts its LDS watch now
	}
	fmt.Fprintf(stdout, "%s%s\n", AdminLinePrefix, lis.Addr())
	if f, ok := stdout.(interface{ Sync() error }); ok {
		_ = f.Sync()
	}
	_, _ = io.Copy(io.Discard, bufio.NewReader(stdin))
	return nil
}

type multi []string

func (m *multi) String() string     { return fmt.Sprint(*m) }
func (m *multi) Set(v string) error { *m = append(*m, v); return nil }
