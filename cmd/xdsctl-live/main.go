// Command xdsctl-live is the program behind xdsctl's live commands: proxy-config of a live
// proxy (a pod, -l, --admin), proxy-status, describe and shell completion. xdsctl runs it with
// the same arguments; it has every command of xdsctl. It is separate from xdsctl so that what it
// links (client-go, cli-runtime, the Kubernetes API types, gRPC) does not slow every start of
// xdsctl (see internal/cmd/front).
package main

import (
	"context"
	"os"

	"github.com/xdsctl/xdsctl/internal/cmd/front"
	"github.com/xdsctl/xdsctl/internal/cmd/root"
	"github.com/xdsctl/xdsctl/internal/cmdutil"
	"github.com/xdsctl/xdsctl/internal/iostreams"
)

func main() {
	os.Exit(run())
}

func run() int {
	_ = os.Unsetenv(front.EnvHandedOver) // what this program runs is not a hand-over loop
	ctx, stop := cmdutil.NotifyContext(context.Background())
	defer stop()
	return root.Run(ctx, root.NewFactory(iostreams.System()), os.Args[1:])
}
