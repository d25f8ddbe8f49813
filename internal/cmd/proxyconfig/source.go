package proxyconfig

import (
	"context"

	"github.com/xdsctl/xdsctl/internal/admin"
	"github.com/xdsctl/xdsctl/internal/cmdutil"
	"github.com/xdsctl/xdsctl/internal/inputfile"
	"github.com/xdsctl/xdsctl/internal/livefetch"
)

// input is one proxy's admin output: from a file, or fetched from a live proxy.
type input struct {
	Name   string            // what to call it in messages and group headers
	Bodies map[string][]byte // admin path -> body
	Err    error
}

// loadInputs reads the file named by -f (as the body of every path), or fetches paths from the live targets.
func loadInputs(ctx context.Context, f *cmdutil.Factory, s *cmdutil.SourceOptions, paths ...string) ([]input, error) {
	if s.File != "" {
		data, err := readFile(f, s.File)
		if err != nil {
			return nil, err
		}
		bodies := map[string][]byte{}
		for _, p := range paths {
			bodies[p] = data
		}
		return []input{{Name: s.Describe(), Bodies: bodies}}, nil
	}
	resolver, err := f.Resolver()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, s.Timeout+resolveSlack)
	defer cancel()
	res, err := livefetch.Fetch(ctx, f.IOStreams, resolver, s.Query(), paths, livefetch.Options{})
	if err != nil {
		return nil, err
	}
	out := make([]input, 0, len(res))
	for _, r := range res {
		out = append(out, input{Name: r.Target, Bodies: r.Bodies, Err: r.Err})
	}
	return out, nil
}

// resolveSlack is added to --timeout for the whole live fetch (resolving pods, opening port-forwards).
const resolveSlack = 0

// readFile reads path, or standard input for "-" (see inputfile: big files are mapped, not copied).
func readFile(f *cmdutil.Factory, path string) ([]byte, error) {
	return inputfile.Read(path, f.IOStreams.In)
}

var _ = admin.PathConfigDump
