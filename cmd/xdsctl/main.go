// Command xdsctl shows what an Envoy proxy has loaded and whether it matches its control plane.
// It is one program: every command, the bundled control plane and the self-test's gRPC client
// (a hidden command it runs as its own child) are in this binary. Renamed kubectl-xds, it is a
// kubectl plugin (`kubectl xds ...`).
package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"

	"github.com/xdsctl/xdsctl/internal/cmd/root"
	"github.com/xdsctl/xdsctl/internal/cmdutil"
	"github.com/xdsctl/xdsctl/internal/iostreams"
)

func main() {
	os.Exit(run())
}

func run() int {
	ctx, stop := cmdutil.NotifyContext(context.Background())
	defer stop()
	f := root.NewFactory(iostreams.System())
	cmd := root.NewCmdRoot(f)
	if name := filepath.Base(os.Args[0]); strings.HasPrefix(name, "kubectl-") {
		root.AsKubectlPlugin(cmd, name)
	}
	return root.Execute(ctx, f, cmd, os.Args[1:])
}
