package proxyconfig

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/xdsctl/xdsctl/internal/cmdutil"
	"github.com/xdsctl/xdsctl/internal/livefetch"
)

// maxInput is the largest input read: Envoy dumps of the largest meshes are a few hundred MB.
const maxInput = 1 << 30

// input is one proxy's admin output: from a file, or fetched from a live proxy.
type input struct {
	Name   string            // what to call it in messages and group headers
	Bodies map[string][]byte // admin path -> body
	Err    error
}

// loadInputs reads the file named by -f (as the body of every path), or fetches paths from the
// live targets: one port-forward per pod, reused for every path, at most
// livefetch.DefaultConcurrency pods at once, all within --timeout. When there is a single proxy
// and it failed, its error is returned as the command's error (one line with a hint); with
// several, the failures stay in the inputs so the others are still shown.
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
	res, err := livefetch.Fetch(ctx, f.IOStreams, resolver, s.Query(), paths, livefetch.Options{Timeout: s.Timeout})
	if err != nil {
		return nil, err
	}
	if len(res) == 1 && res[0].Err != nil {
		return nil, res[0].Err
	}
	out := make([]input, 0, len(res))
	for _, r := range res {
		out = append(out, input{Name: r.Target, Bodies: r.Bodies, Err: r.Err})
	}
	return out, nil
}

// readFile reads path, or standard input for "-", refusing directories and inputs over maxInput.
func readFile(f *cmdutil.Factory, path string) ([]byte, error) {
	if path == "-" {
		data, err := io.ReadAll(io.LimitReader(f.IOStreams.In, maxInput+1))
		if err != nil {
			return nil, fmt.Errorf("read standard input: %w", err)
		}
		if len(data) > maxInput {
			return nil, fmt.Errorf("standard input is larger than %d MiB, more than any Envoy admin output", maxInput>>20)
		}
		return data, nil
	}
	st, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, cmdutil.WithHint(fmt.Errorf("file %q does not exist", path), "save a dump with: xdsctl proxy-config all <pod> --save dump.json")
	case err != nil:
		return nil, fmt.Errorf("read file %q: %w", path, errors.Unwrap(err))
	case st.IsDir():
		return nil, fmt.Errorf("file %q is a directory; give the path of a saved /config_dump", path)
	case st.Size() > maxInput:
		return nil, fmt.Errorf("file %q is %d MiB, larger than the %d MiB xdsctl reads; it cannot be Envoy admin output", path, st.Size()>>20, maxInput>>20)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read file %q: %w", path, errors.Unwrap(err))
	}
	return data, nil
}
