// Command gen writes internal/cmd/front/zz_generated.go (see package frontgen); run it from
// internal/cmd/front with go generate, or `make docs`.
package main

import (
	"fmt"
	"os"

	"k8s.io/cli-runtime/pkg/genericclioptions"

	"github.com/xdsctl/xdsctl/internal/cmd/front"
	"github.com/xdsctl/xdsctl/internal/cmd/front/frontgen"
	"github.com/xdsctl/xdsctl/internal/cmd/root"
	"github.com/xdsctl/xdsctl/internal/cmd/tree"
	"github.com/xdsctl/xdsctl/internal/cmdutil"
	"github.com/xdsctl/xdsctl/internal/iostreams"
)

func main() {
	ios, _, _, _ := iostreams.Test()
	live := root.NewCmdRoot(root.NewFactory(ios))
	shared := tree.New(&cmdutil.Factory{IOStreams: ios, KubeFlags: genericclioptions.NewConfigFlags(true)})
	src, err := frontgen.Generate(live, shared, front.DefaultCacheDir())
	if err == nil {
		err = os.WriteFile("zz_generated.go", src, 0o644)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "Error:", err)
		os.Exit(1)
	}
}
