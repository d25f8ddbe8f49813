// Package selftest is `xdsctl selftest`. The real gRPC-Go xDS client it starts is this same
// program, run as a child process through its hidden grpc-peer command.
package selftest

import (
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/xdsctl/xdsctl/internal/cmdutil"
	"github.com/xdsctl/xdsctl/internal/selftest"
)

// Options are the options of `selftest`.
type Options struct {
	Quiet bool
	Wait  time.Duration
	// PeerCommand runs the gRPC xDS client; the default is this program's grpc-peer command.
	PeerCommand []string
	PeerEnv     []string
}

// NewCmdSelftest returns `selftest`.
func NewCmdSelftest(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{}
	cmd := &cobra.Command{
		Use:   "selftest [--quiet]",
		Short: "Check the whole xDS loop on this machine, without a cluster",
		Long: `Start the bundled control plane, two emulated Envoy sidecars (emulators, not Envoy) and a real
gRPC-Go proxyless xDS client on loopback, then push good config, config the gRPC client rejects,
config the emulated sidecars reject, and make one sidecar hold its ACKs. Each step shows the
proxies' status (as proxy-status shows it) and config (as proxy-config shows it), and checks what
must be true with a PASS or FAIL line. It takes a few seconds and exits 0 only if every check passes.`,
		Example: `# run it
xdsctl selftest

# checks only
xdsctl selftest --quiet`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if opts.Wait <= 0 {
				return cmdutil.FlagErrorf("--wait must be positive, got %s", opts.Wait)
			}
			if opts.PeerCommand == nil {
				exe, err := os.Executable()
				if err != nil {
					return fmt.Errorf("find this program to start the gRPC xDS client: %w", err)
				}
				opts.PeerCommand = []string{exe, "grpc-peer"}
			}
			if runF != nil {
				return runF(opts)
			}
			res, err := selftest.Run(cmd.Context(), selftest.Options{
				Out: f.IOStreams.Out, PeerCommand: opts.PeerCommand, PeerEnv: opts.PeerEnv,
				Now: f.Now, Wait: opts.Wait, Quiet: opts.Quiet,
			})
			if err != nil {
				return fmt.Errorf("selftest could not run: %w", err)
			}
			if len(res.Failed) > 0 {
				return cmdutil.SilentError // the summary is printed
			}
			return nil
		},
	}
	cmd.Flags().BoolVarP(&opts.Quiet, "quiet", "q", false, "Print the checks only, not the status and proxy-config views")
	cmd.Flags().DurationVar(&opts.Wait, "wait", 10*time.Second, "How long each check waits for what it expects")
	return cmd
}
