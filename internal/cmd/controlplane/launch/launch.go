// Package launch gives xdsctl its `controlplane` and `selftest` commands without linking them:
// they run in the xdsctl-controlplane program, which this package finds and executes with the
// same arguments.
//
// Why a second program: every package linked into xdsctl runs its init at every start, and
// `xdsctl version` must stay under 20 ms. The control plane needs go-control-plane's server and
// cache with the Envoy API (about 15 ms of init on its own) and the self-test needs
// google.golang.org/grpc/xds (about 7 ms more). This package links nothing but the standard
// library, cobra and cmdutil.
package launch

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/xdsctl/xdsctl/internal/cmdutil"
)

// ProgramName is the program the commands run.
const ProgramName = "xdsctl-controlplane"

// EnvProgram, when set, is the path of the program to run.
const EnvProgram = "XDSCTL_CONTROLPLANE"

// Runner finds and runs the program; tests replace it.
type Runner struct {
	// Find returns the program's path.
	Find func() (string, error)
	// Exec runs it with args (args[0] is the program name) and the process's environment. On Unix
	// it replaces the process and returns only on failure.
	Exec func(path string, args []string) error
}

// DefaultRunner finds the program with Find and runs it with execProgram.
var DefaultRunner = Runner{Find: Find, Exec: Exec}

// ControlPlane is the program behind `controlplane` and `selftest`.
var ControlPlane = Program{
	Name:  ProgramName,
	Env:   EnvProgram,
	Holds: "the bundled control plane, emulated sidecar and self-test",
}

// Find looks for xdsctl-controlplane: $XDSCTL_CONTROLPLANE, then next to the running xdsctl, then on PATH.
func Find() (string, error) { return ControlPlane.Find() }

// Program is a companion program of xdsctl: commands that would slow every start of xdsctl if
// it linked them run there, with the same arguments.
type Program struct {
	Name  string // its file name (without .exe)
	Env   string // the environment variable that, when set, is its path
	Holds string // what runs there, for the error when it cannot be found
}

// Find looks for the program: $Env, then next to the running xdsctl, then on PATH.
func (p Program) Find() (string, error) {
	if path := os.Getenv(p.Env); path != "" {
		if _, err := os.Stat(path); err != nil {
			return "", fmt.Errorf("%s=%s: %w", p.Env, path, errors.Unwrap(err))
		}
		return path, nil
	}
	var self string
	if exe, err := os.Executable(); err == nil {
		if resolved, err := filepath.EvalSymlinks(exe); err == nil {
			exe = resolved
		}
		self = exe
		path := filepath.Join(filepath.Dir(exe), p.Name+exeSuffix)
		if st, err := os.Stat(path); err == nil && !st.IsDir() {
			return path, nil
		}
	}
	if path, err := exec.LookPath(p.Name); err == nil {
		return path, nil
	}
	where := "on PATH"
	if self != "" {
		where = fmt.Sprintf("next to %s or on PATH", self)
	}
	return "", cmdutil.WithHint(
		fmt.Errorf("%s are in a separate program, %s, and it is not %s", p.Holds, p.Name, where),
		fmt.Sprintf("install xdsctl's programs together (go install github.com/xdsctl/xdsctl/cmd/...@latest, or 'make build' into bin/), or set %s to the path of %s", p.Env, p.Name))
}

// Exec runs the program at path with args (args[0] is its name) and xdsctl's environment and
// streams. On Unix it replaces the process (same process ID, signals and exit code) and returns
// only on failure; elsewhere it runs it as a child and returns its exit status as a
// *cmdutil.ExitStatus.
func Exec(path string, args []string) error { return execProgram(path, args) }

// passThrough is a command of xdsctl that runs the same command of the program.
func passThrough(r Runner, use, short, long string, path ...string) *cobra.Command {
	return &cobra.Command{
		Use:   use,
		Short: short,
		Long:  long + "\n\nIt runs in the " + ProgramName + " program, found next to xdsctl (or $" + EnvProgram + "); --help there lists its flags.",
		// The program parses the flags (and answers --help).
		DisableFlagParsing: true,
		RunE: func(_ *cobra.Command, args []string) error {
			p, err := r.Find()
			if err != nil {
				return err
			}
			argv := append(append([]string{ProgramName}, path...), args...)
			return r.Exec(p, argv)
		},
	}
}

// The usage lines and summaries of the commands the program runs: its own tree
// (internal/cmd/controlplane, internal/cmd/selftest) and xdsctl's stand-ins here share them.
const (
	ServeUse      = "serve --config <path> [--listen <addr>] [--debug-listen <addr>]"
	ServeShort    = "Serve xDS and CSDS from a snapshot file"
	SidecarUse    = "sidecar --xds <addr> --node <id> [--admin <addr>] [--hold-acks]"
	SidecarShort  = "Run an emulated Envoy sidecar (not Envoy) against an xDS control plane"
	SelftestUse   = "selftest [--quiet]"
	SelftestShort = "Check the whole xDS loop on this machine, without a cluster"
)

// NewCmdControlPlaneGroup returns `controlplane` without its subcommands, as both programs have it.
func NewCmdControlPlaneGroup() *cobra.Command {
	return &cobra.Command{
		Use:     "controlplane <command>",
		Aliases: []string{"cp"},
		Short:   "Run the bundled xDS control plane or an emulated Envoy sidecar",
		Long: `Run the bundled xDS control plane (serve) or an emulated Envoy sidecar (sidecar), to see the
whole loop — config pushed, proxies ACK or NACK, status and dumps diagnosed — without a cluster.`,
	}
}

// NewCmdControlPlane returns xdsctl's `controlplane` with serve and sidecar, run by the program.
func NewCmdControlPlane(r Runner) *cobra.Command {
	cmd := NewCmdControlPlaneGroup()
	cmd.AddCommand(passThrough(r, ServeUse, ServeShort,
		"Serve Envoy resources from a YAML or JSON snapshot over ADS (state of the world and delta), with each proxy's\nsync status over CSDS. The format is in docs/controlplane.md.",
		"controlplane", "serve"))
	cmd.AddCommand(passThrough(r, SidecarUse, SidecarShort,
		"Run an emulated Envoy sidecar: an ADS client that ACKs or NACKs like Envoy and serves an Envoy-compatible\nadmin API. It is an emulator, not Envoy.",
		"controlplane", "sidecar"))
	return cmd
}

// NewCmdSelftest returns xdsctl's `selftest`, run by the program.
func NewCmdSelftest(r Runner) *cobra.Command {
	return passThrough(r, SelftestUse, SelftestShort,
		"Start the bundled control plane, two emulated Envoy sidecars and a real gRPC-Go xDS client on loopback, push\ngood and bad config, and check status and config at each step (PASS/FAIL). Exit 0 only if all pass.",
		"selftest")
}
