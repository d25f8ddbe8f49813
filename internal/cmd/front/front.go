// Package front is the xdsctl program's command tree. Every package Go links runs its init at
// every start, and client-go with cli-runtime, the Kubernetes API types and gRPC cost ~35 ms of
// start-up on a small VM whatever the command (docs/performance.md). So xdsctl links none of
// them: it runs version, completion scripts, proxy-config on saved files (-f, --demo), the
// bundled control plane launcher and help itself, and hands every command that needs Kubernetes
// or gRPC — proxy-config of a live target (a pod, -l, --admin), proxy-status, describe, shell
// completion — to the xdsctl-live program, which has the whole tree (internal/cmd/root), with
// the same arguments: on Unix xdsctl execs it, so it is the same process with the same streams,
// signals and exit code.
//
// xdsctl still declares every flag and lists every command, so its help, flag errors and
// completion scripts are xdsctl-live's: kubectl's flags and the live-only commands' help come
// from zz_generated.go, generated from xdsctl-live's tree (go generate; tests fail when stale).
package front

//go:generate go run ./gen

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"k8s.io/client-go/util/homedir"

	"github.com/xdsctl/xdsctl/internal/cmd/controlplane/launch"
	"github.com/xdsctl/xdsctl/internal/cmd/tree"
	"github.com/xdsctl/xdsctl/internal/cmdutil"
	"github.com/xdsctl/xdsctl/internal/iostreams"
)

// Live is the program that runs the commands xdsctl hands over.
var Live = launch.Program{
	Name:  "xdsctl-live",
	Env:   "XDSCTL_LIVE",
	Holds: "proxy-status, describe and proxy-config of live proxies (a pod, -l, --admin)",
}

// EnvHandedOver is set in the environment of the xdsctl-live xdsctl runs. xdsctl-live clears
// it first thing; if xdsctl sees it, the program it ran was xdsctl again, not xdsctl-live.
const EnvHandedOver = "XDSCTL_HANDED_OVER"

// Delegate hands the command line to xdsctl-live.
type Delegate struct {
	Args   []string // the command line as the user gave it, without the program name
	Runner launch.Runner
	// helpErr is why `xdsctl help <live command>` could not be handed over.
	helpErr error
}

// Run hands the command line over. On Unix it returns only on failure; elsewhere (and with a
// test Runner) it returns the program's exit status as a *cmdutil.ExitStatus. It never returns nil.
func (d *Delegate) Run() error {
	if os.Getenv(EnvHandedOver) != "" {
		return cmdutil.WithHint(
			fmt.Errorf("%s is not the %s program: it handed the command back to xdsctl", describeProgram(d.Runner), Live.Name),
			fmt.Sprintf("reinstall xdsctl's programs together (go install github.com/xdsctl/xdsctl/cmd/...@latest), or set %s to the path of %s", Live.Env, Live.Name))
	}
	path, err := d.Runner.Find()
	if err != nil {
		return err
	}
	if err := os.Setenv(EnvHandedOver, "1"); err != nil {
		return fmt.Errorf("run %s: %w", path, err)
	}
	err = d.Runner.Exec(path, append([]string{Live.Name}, d.Args...))
	_ = os.Unsetenv(EnvHandedOver)
	if err == nil {
		err = &cmdutil.ExitStatus{}
	}
	return err
}

// describeProgram names the program Find picks, for the loop error.
func describeProgram(r launch.Runner) string {
	if p, err := r.Find(); err == nil {
		return p
	}
	return Live.Name
}

// NewFactory returns xdsctl's Factory: kubectl's flags declared (xdsctl-live reads them), and
// live targets handed to xdsctl-live.
func NewFactory(ios *iostreams.IOStreams, d *Delegate) *cmdutil.Factory {
	return &cmdutil.Factory{
		IOStreams: ios,
		Now:       time.Now,
		KubeFlags: kubeFlags{},
		Resolver:  func() (cmdutil.TargetResolver, error) { return nil, d.Run() },
	}
}

// NewCmdRoot returns xdsctl's root command: the shared tree, and a stand-in for each command
// only xdsctl-live runs.
func NewCmdRoot(f *cmdutil.Factory, d *Delegate) *cobra.Command {
	live := make([]*cobra.Command, 0, len(liveCommandSpecs))
	for _, s := range liveCommandSpecs {
		live = append(live, standIn(s, d))
	}
	return tree.New(f, live...)
}

// Run executes the command line and returns the exit code. Shell completion requests go to
// xdsctl-live (they may list pods); when it cannot be run, xdsctl completes what it can itself.
func Run(ctx context.Context, ios *iostreams.IOStreams, args []string, r launch.Runner) int {
	d := &Delegate{Args: args, Runner: r}
	if len(args) > 0 && strings.HasPrefix(args[0], cobra.ShellCompRequestCmd) {
		var es *cmdutil.ExitStatus
		if errors.As(d.Run(), &es) {
			return es.Code
		}
	}
	code := cmdutil.Execute(ctx, NewCmdRoot(NewFactory(ios, d), d), ios.ErrOut, args)
	if d.helpErr != nil { // `help <live command>`: cobra's help command cannot return an error
		return cmdutil.Report(ctx, ios.ErrOut, d.helpErr, nil)
	}
	return code
}

type commandSpec struct {
	Use, Short, Long, Example string
	Aliases                   []string
	Hidden                    bool
}

// standIn is a live-only command as xdsctl lists it: xdsctl-live parses its flags, runs it and
// prints its help.
func standIn(s commandSpec, d *Delegate) *cobra.Command {
	c := &cobra.Command{
		Use:                s.Use,
		Aliases:            s.Aliases,
		Short:              s.Short,
		Long:               s.Long,
		Example:            s.Example,
		Hidden:             s.Hidden,
		DisableFlagParsing: true,
		RunE:               func(*cobra.Command, []string) error { return d.Run() },
	}
	c.SetHelpFunc(func(*cobra.Command, []string) { d.helpErr = d.Run() })
	return c
}

type flagSpec struct {
	Name, Shorthand, Type, Default, Usage, Deprecated string
	Hidden                                            bool
}

// kubeFlags declares kubectl's flags as cli-runtime's ConfigFlags does; the values are read by
// xdsctl-live, which parses the same command line.
type kubeFlags struct{}

func (kubeFlags) AddFlags(fs *pflag.FlagSet) {
	for _, s := range kubeFlagSpecs {
		switch def := s.Default; s.Type {
		case "bool":
			fs.BoolP(s.Name, s.Shorthand, def == "true", s.Usage)
		case "stringArray":
			fs.StringArrayP(s.Name, s.Shorthand, nil, s.Usage)
		case "stringSlice":
			fs.StringSliceP(s.Name, s.Shorthand, nil, s.Usage)
		default: // string; frontgen accepts no other type
			if s.Name == "cache-dir" {
				def = DefaultCacheDir()
			}
			fs.StringP(s.Name, s.Shorthand, def, s.Usage)
		}
		fl := fs.Lookup(s.Name)
		fl.Hidden = s.Hidden
		fl.Deprecated = s.Deprecated
	}
}

// DefaultCacheDir is the default of --cache-dir as cli-runtime computes it: $KUBECACHEDIR, else
// ~/.kube/cache.
func DefaultCacheDir() string {
	if d := os.Getenv("KUBECACHEDIR"); d != "" {
		return d
	}
	return filepath.Join(homedir.HomeDir(), ".kube", "cache")
}
