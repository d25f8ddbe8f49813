// Package livefetch reads admin API paths from many live proxies at once: it resolves the targets,
// fetches concurrently with a bound, shows progress on a TTY, and returns per-target results so a
// command can print what it got and list what failed.
package livefetch

import (
	"context"
	"errors"

	"github.com/xdsctl/xdsctl/internal/cmdutil"
	"github.com/xdsctl/xdsctl/internal/iostreams"
)

// Result is what one proxy answered: the body for each requested path, or the error that stopped it.
type Result struct {
	Target string            // pod.namespace, or the admin URL
	Bodies map[string][]byte // path -> body
	Err    error
}

// Options tune a fetch.
type Options struct {
	Concurrency int // at most this many proxies at once (default 8)
}

// Fetch resolves q and GETs every path from every target (one connection per target, reused for all
// paths). It returns the results in a stable order (by target name). The error is non-nil only when
// the targets could not be resolved at all; per-target failures are in Result.Err.
func Fetch(ctx context.Context, ios *iostreams.IOStreams, r cmdutil.TargetResolver, q cmdutil.TargetQuery, paths []string, o Options) ([]Result, error) {
	return nil, errors.New("live targets are not implemented yet")
}
