package diff

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/xdsctl/xdsctl/internal/admin"
	"github.com/xdsctl/xdsctl/internal/cmdutil"
	"github.com/xdsctl/xdsctl/internal/inputfile"
	"github.com/xdsctl/xdsctl/pkg/configdiff"
	"github.com/xdsctl/xdsctl/pkg/configdump"
)

// source is what kind of thing a side names.
type source int

const (
	sourceFile source = iota
	sourceStdin
	sourceAdmin
	sourceControlPlane
	sourcePod
)

// sourceKind tells what a side names: "-", cp:<pod>, an http(s) URL, an existing file or one that
// looks like a path (a .json/.yaml name, or with a directory), else a pod or <kind>/<name>.
func sourceKind(s string) source {
	switch {
	case s == "-":
		return sourceStdin
	case strings.HasPrefix(s, "cp:"):
		return sourceControlPlane
	case strings.HasPrefix(s, "http://"), strings.HasPrefix(s, "https://"):
		return sourceAdmin
	}
	if _, err := os.Stat(s); err == nil {
		return sourceFile
	}
	lower := strings.ToLower(s)
	for _, ext := range []string{".json", ".yaml", ".yml", ".pb", ".txt"} {
		if strings.HasSuffix(lower, ext) {
			return sourceFile
		}
	}
	if strings.HasPrefix(s, ".") || strings.HasPrefix(s, "/") || strings.HasPrefix(s, "~") || strings.Count(s, "/") > 1 {
		return sourceFile
	}
	return sourcePod
}

// CheckSide tells what is wrong with a side given on its own (xdsctl ui's --diff): empty, or
// cp: naming no pod.
func CheckSide(s string) error {
	switch {
	case s == "":
		return errors.New("the side is empty: give a pod, an admin URL, a file or cp:<pod>")
	case sourceKind(s) == sourceControlPlane && len(s) == len("cp:"):
		return errors.New("cp: names no pod: give cp:<pod>[.<namespace>]")
	}
	return nil
}

// Read reads one side as diff A B does: a file or - (from IO.In), an admin URL, cp:<pod> (through
// ControlPlane), or a pod. xdsctl ui reads the side it compares with through it.
func (o *Options) Read(ctx context.Context, s string) (configdiff.Input, error) {
	return o.read(ctx, s)
}

// MissingSourceHint is the hint of a side that is neither a file nor a proxy.
const MissingSourceHint = "give a config dump file, -, an admin URL (http://host:port), cp:<pod>, or a <pod>[.<namespace>]"

// read reads one side.
func (o *Options) read(ctx context.Context, s string) (configdiff.Input, error) {
	switch sourceKind(s) {
	case sourceStdin:
		data, err := inputfile.Read("-", o.IO.In)
		if err != nil {
			return configdiff.Input{}, err
		}
		return checked(configdiff.Input{Name: "stdin", Dump: data}, "standard input")
	case sourceFile:
		data, err := inputfile.Read(s, o.IO.In)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return configdiff.Input{}, cmdutil.WithHint(fmt.Errorf("%q is neither a file nor a proxy: no such file", s), MissingSourceHint)
			}
			return configdiff.Input{}, err
		}
		return checked(configdiff.Input{Name: s, Dump: data}, fmt.Sprintf("file %q", s))
	case sourceControlPlane:
		if o.ControlPlane == nil {
			return configdiff.Input{}, errors.New("no control plane can be reached from here")
		}
		cp := *o.ControlPlane
		cp.Timeout, cp.AdminPort = o.Timeout, o.AdminPort
		ctx, cancel := context.WithTimeout(ctx, o.Timeout)
		defer cancel()
		name, dump, opaque, warnings, err := cp.ControlPlaneView(ctx, strings.TrimPrefix(s, "cp:"))
		if err != nil {
			return configdiff.Input{}, err
		}
		for _, w := range warnings {
			fmt.Fprintf(o.IO.ErrOut, "Warning: %s\n", w)
		}
		return configdiff.Input{Name: name, Dump: dump, Opaque: opaque}, nil
	}
	var maxResponse int64 // --max-response, bound with the control plane flags
	if o.ControlPlane != nil {
		maxResponse = o.ControlPlane.MaxResponse
	}
	q := cmdutil.TargetQuery{Args: []string{s}, AdminPort: o.AdminPort, MaxResponse: maxResponse}
	if sourceKind(s) == sourceAdmin {
		q = cmdutil.TargetQuery{AdminURL: s, MaxResponse: maxResponse}
	}
	return o.fetch(ctx, q, s)
}

// checked fails early, naming the input, when data is no Envoy admin output configdiff reads.
func checked(in configdiff.Input, what string) (configdiff.Input, error) {
	if _, err := configdump.ParseInput(in.Dump); err != nil {
		return in, fmt.Errorf("%s: %w", what, err)
	}
	return in, nil
}

// fetch reads a live proxy's config dump, endpoints included.
func (o *Options) fetch(ctx context.Context, q cmdutil.TargetQuery, s string) (configdiff.Input, error) {
	if o.Resolver == nil {
		return configdiff.Input{}, errors.New("no live proxies can be reached from here")
	}
	r, err := o.Resolver()
	if err != nil {
		return configdiff.Input{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	targets, err := r.Resolve(ctx, q)
	if err != nil {
		return configdiff.Input{}, err
	}
	defer func() {
		for _, t := range targets {
			_ = t.Client.Close()
		}
	}()
	switch len(targets) {
	case 0:
		return configdiff.Input{}, fmt.Errorf("no proxy found for %q", s)
	case 1:
	default:
		names := make([]string, 0, len(targets))
		for _, t := range targets {
			names = append(names, t.Name)
		}
		return configdiff.Input{}, cmdutil.WithHint(fmt.Errorf("%q names %d proxies (%s); a side is one proxy", s, len(targets), strings.Join(names, ", ")),
			"name one pod")
	}
	t := targets[0]
	body, err := t.Client.Get(ctx, admin.PathConfigDumpWithEDS)
	if err != nil {
		return configdiff.Input{}, err
	}
	return checked(configdiff.Input{Name: t.Name, Dump: body}, t.Name)
}
