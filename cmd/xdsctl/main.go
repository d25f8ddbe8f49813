// Command xdsctl shows what an Envoy proxy has loaded and whether it matches its control plane.
// It runs what needs neither Kubernetes nor gRPC itself and hands the rest to xdsctl-live (see
// internal/cmd/front).
package main

import (
	"context"
	"os"

	"github.com/xdsctl/xdsctl/internal/cmd/controlplane/launch"
	"github.com/xdsctl/xdsctl/internal/cmd/front"
	"github.com/xdsctl/xdsctl/internal/cmdutil"
	"github.com/xdsctl/xdsctl/internal/iostreams"
)

func main() {
	os.Exit(run())
}

func run() int {
	ctx, stop := cmdutil.NotifyContext(context.Background())
	defer stop()
	return front.Run(ctx, iostreams.System(), os.Args[1:], launch.Runner{Find: front.Live.Find, Exec: launch.Exec})
}
