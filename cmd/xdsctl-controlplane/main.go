// Command xdsctl-controlplane is the program behind `xdsctl controlplane` and `xdsctl selftest`:
// the bundled xDS control plane, the emulated Envoy sidecar and the self-test. It is separate
// from xdsctl to keep xdsctl's start-up fast (see internal/cmd/controlplane/program).
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/xdsctl/xdsctl/internal/cmd/controlplane/program"
	"github.com/xdsctl/xdsctl/internal/cmdutil"
	"github.com/xdsctl/xdsctl/internal/iostreams"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := program.Run(ctx, &cmdutil.Factory{IOStreams: iostreams.System(), Now: time.Now}, os.Args[1:])
	stop()
	os.Exit(code)
}
