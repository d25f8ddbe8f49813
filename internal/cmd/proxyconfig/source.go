package proxyconfig

import (
	"context"

	"github.com/xdsctl/xdsctl/internal/admin"
	"github.com/xdsctl/xdsctl/internal/cmdutil"
	"github.com/xdsctl/xdsctl/internal/inputfile"
	"github.com/xdsctl/xdsctl/internal/livefetch"
	"github.com/xdsctl/xdsctl/pkg/configdump"
)

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
	return LoadInputs(ctx, f, s, paths, nil)
}

// Input is one proxy's admin output, as LoadInputs returns it.
type Input = input

// LoadInputs reads proxies as proxy-config does, for the commands that take the same sources
// (analyze): the file named by -f as the body of each of paths, or paths from every live target
// (see loadInputs), and from each also the optional paths, which are left out of its Bodies when
// the proxy does not answer them.
func LoadInputs(ctx context.Context, f *cmdutil.Factory, s *cmdutil.SourceOptions, paths, optional []string) ([]Input, error) {
	if s.File != "" {
		data, err := fileInput(paths).Read(s.File, f.IOStreams.In)
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
	res, err := livefetch.FetchOptional(ctx, f.IOStreams, resolver, s.Query(), paths, optional, livefetch.Options{Timeout: s.Timeout})
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

// fileInput says how messages about -f name what the view reads: a saved /config_dump (the zero
// Input), or the /stats output that pc stats reads. (pc endpoints reads either a dump or
// /clusters: its own messages say so.)
func fileInput(paths []string) inputfile.Input {
	for _, p := range paths {
		if p == admin.PathStatsJSON || p == admin.PathStatsPrometheus {
			return inputfile.Input{Want: "the path of saved Envoy /stats output",
				Hint: "give the path of saved /stats output (curl localhost:15000/stats > stats.txt), or - to read standard input",
				Kind: "Envoy /stats output"}
		}
	}
	return inputfile.Input{}
}

// ParseDump reads one proxy's /config_dump, or a static config, as proxy-config's views do (see
// parseDump), for the commands that read proxies as it does.
func ParseDump(data []byte, w *configdump.Warnings) (*configdump.Dump, error) {
	return parseDump(data, w)
}
