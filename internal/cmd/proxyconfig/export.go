package proxyconfig

import (
	"context"

	"github.com/xdsctl/xdsctl/internal/cmdutil"
)

// Input is one proxy's admin output as proxy-config reads it, for other commands that take
// proxies the same way (trace).
type Input = input

// LoadInputs reads -f FILE (as the body of every path) or fetches the paths from the live
// targets, exactly as proxy-config's views do.
func LoadInputs(ctx context.Context, f *cmdutil.Factory, s *cmdutil.SourceOptions, paths ...string) ([]Input, error) {
	return loadInputs(ctx, f, s, paths...)
}

// DemoInputs is the example proxy of --demo, for other commands that offer it.
func DemoInputs(paths ...string) []Input { return demoInputs(paths) }
