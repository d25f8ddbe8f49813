// Package livefetch reads admin API paths from many live proxies at once: it resolves the targets,
// fetches concurrently with a bound, shows progress on a TTY, and returns per-target results so a
// command can print what it got and list what failed.
package livefetch

import (
	"context"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/xdsctl/xdsctl/internal/admin"
	"github.com/xdsctl/xdsctl/internal/cmdutil"
	"github.com/xdsctl/xdsctl/internal/iostreams"
)

// DefaultConcurrency is how many proxies are read at once unless Options say otherwise.
const DefaultConcurrency = 8

// progressDelay is how long a fetch runs before a progress line appears (on a TTY only).
const progressDelay = time.Second

// Result is what one proxy answered: the body for each requested path, or the error that stopped it.
type Result struct {
	Target string            // pod.namespace, or the admin URL
	Bodies map[string][]byte // path -> body
	Err    error
}

// Options tune a fetch.
type Options struct {
	Concurrency int // at most this many proxies at once (default 8)
	// Timeout bounds resolving the targets, and then each target's work (opening its
	// port-forward and its requests); 0 leaves it to ctx.
	Timeout time.Duration
	// ProgressDelay overrides how long to wait before showing progress (tests); 0 means 1s.
	ProgressDelay time.Duration
}

// Fetch resolves q and GETs every path from every target (one connection per target, reused for all
// paths). It returns the results in the resolver's order (by namespace, then pod name). The error is non-nil only when
// the targets could not be resolved at all, or the context was cancelled (Ctrl-C); per-target
// failures are in Result.Err.
func Fetch(ctx context.Context, ios *iostreams.IOStreams, r cmdutil.TargetResolver, q cmdutil.TargetQuery, paths []string, o Options) ([]Result, error) {
	return FetchOptional(ctx, ios, r, q, paths, nil, o)
}

// FetchOptional is Fetch that also GETs the optional paths, which a proxy may not answer: those
// that fail are left out of its Bodies instead of failing it.
func FetchOptional(ctx context.Context, ios *iostreams.IOStreams, r cmdutil.TargetResolver, q cmdutil.TargetQuery, paths, optional []string, o Options) ([]Result, error) {
	return Do(ctx, ios, r, q, o, func(ctx context.Context, c admin.Client) (map[string][]byte, error) {
		bodies := make(map[string][]byte, len(paths)+len(optional))
		for _, p := range paths {
			b, err := c.Get(ctx, p)
			if err != nil {
				return nil, err
			}
			bodies[p] = b
		}
		for _, p := range optional {
			if b, err := c.Get(ctx, p); err == nil {
				bodies[p] = b
			}
		}
		return bodies, nil
	})
}

// Func is the work done on one proxy; it returns bodies keyed as the caller likes.
type Func func(ctx context.Context, c admin.Client) (map[string][]byte, error)

// Do resolves q and runs fn on every target, at most o.Concurrency at once, closing each
// target's client (its port-forward) as soon as fn is done with it. o.Timeout bounds resolving,
// and then each target on its own (from when its turn comes), so a slow proxy fails alone and
// many proxies do not share one deadline. Results are in the resolver's order. Like Fetch, it
// fails as a whole only when nothing could be resolved or ctx was cancelled (Ctrl-C).
func Do(ctx context.Context, ios *iostreams.IOStreams, r cmdutil.TargetResolver, q cmdutil.TargetQuery, o Options, fn Func) ([]Result, error) {
	targets, err := resolve(ctx, r, q, o.Timeout)
	if err != nil {
		return nil, err
	}
	limit := o.Concurrency
	if limit <= 0 {
		limit = DefaultConcurrency
	}
	var done atomic.Int64
	stop := startProgress(ios, len(targets), &done, o.ProgressDelay)
	results := make([]Result, len(targets))
	var g errgroup.Group
	g.SetLimit(limit)
	for i, t := range targets {
		results[i].Target = t.Name
		g.Go(func() error {
			defer done.Add(1)
			defer t.Client.Close()
			if err := ctx.Err(); err != nil {
				results[i].Err = err
				return nil
			}
			tctx := ctx
			if o.Timeout > 0 {
				var cancel context.CancelFunc
				tctx, cancel = context.WithTimeout(ctx, o.Timeout)
				defer cancel()
			}
			bodies, err := fn(tctx, t.Client)
			results[i].Bodies, results[i].Err = bodies, err
			return nil
		})
	}
	_ = g.Wait()
	stop()
	if err := ctx.Err(); err != nil {
		return results, err
	}
	return results, nil
}

// resolve runs the resolver within timeout (0: no bound but ctx).
func resolve(ctx context.Context, r cmdutil.TargetResolver, q cmdutil.TargetQuery, timeout time.Duration) ([]admin.Target, error) {
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	return r.Resolve(ctx, q)
}

// startProgress shows "Reading N proxies: d/N" on stderr once the fetch has taken longer than
// delay, only when stderr is a terminal; the returned func erases it.
func startProgress(ios *iostreams.IOStreams, total int, done *atomic.Int64, delay time.Duration) func() {
	if ios == nil || !ios.IsStderrTTY() {
		return func() {}
	}
	if delay <= 0 {
		delay = progressDelay
	}
	quit := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	shown := false
	go func() {
		defer wg.Done()
		t := time.NewTimer(delay)
		defer t.Stop()
		select {
		case <-quit:
			return
		case <-t.C:
		}
		tick := time.NewTicker(200 * time.Millisecond)
		defer tick.Stop()
		for {
			writeProgress(ios.ErrOut, total, done.Load())
			shown = true
			select {
			case <-quit:
				return
			case <-tick.C:
			}
		}
	}()
	return func() {
		close(quit)
		wg.Wait()
		if shown {
			fmt.Fprint(ios.ErrOut, "\r\033[K")
		}
	}
}

func writeProgress(w io.Writer, total int, done int64) {
	noun := "proxies"
	if total == 1 {
		noun = "proxy"
	}
	fmt.Fprintf(w, "\r\033[KReading %d %s: %d done", total, noun, done)
}
