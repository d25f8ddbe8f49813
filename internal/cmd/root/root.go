// Package root assembles the xdsctl command tree as the xdsctl-live program runs it: every
// command, with kubectl's flags from cli-runtime and live access through client-go and gRPC.
// The xdsctl program (internal/cmd/front) runs what needs none of that itself and hands the
// rest to xdsctl-live with the same arguments.
package root

import (
	"time"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"

	"github.com/xdsctl/xdsctl/internal/cmd/describe"
	"github.com/xdsctl/xdsctl/internal/cmd/proxystatus"
	"github.com/xdsctl/xdsctl/internal/cmd/trace"
	"github.com/xdsctl/xdsctl/internal/cmd/tree"
	"github.com/xdsctl/xdsctl/internal/cmdutil"
	"github.com/xdsctl/xdsctl/internal/iostreams"
	"github.com/xdsctl/xdsctl/internal/kube"
)

// NewFactory returns the production Factory for the given streams.
func NewFactory(ios *iostreams.IOStreams) *cmdutil.Factory {
	kf := genericclioptions.NewConfigFlags(true)
	f := &cmdutil.Factory{
		IOStreams: ios,
		Now:       time.Now,
		KubeFlags: kf,
	}
	f.Resolver = func() (cmdutil.TargetResolver, error) { return kube.NewResolver(kf), nil }
	return f
}

// NewCmdRoot returns the root command.
func NewCmdRoot(f *cmdutil.Factory) *cobra.Command {
	return tree.New(f, proxystatus.NewCmdProxyStatus(f, nil), describe.NewCmdDescribe(f), trace.NewCmdTrace(f, nil))
}
