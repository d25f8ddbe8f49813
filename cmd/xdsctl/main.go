// Command xdsctl shows what an Envoy proxy has loaded and whether it matches its control plane.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/xdsctl/xdsctl/internal/cmd/root"
	"github.com/xdsctl/xdsctl/internal/iostreams"
)

func main() {
	os.Exit(run())
}

func run() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return root.Run(ctx, root.NewFactory(iostreams.System()), os.Args[1:])
}
