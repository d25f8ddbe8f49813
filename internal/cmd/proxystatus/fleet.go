package proxystatus

import (
	"context"
	"fmt"
	"io"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/xdsctl/xdsctl/internal/admin"
	"github.com/xdsctl/xdsctl/internal/cmdutil"
	"github.com/xdsctl/xdsctl/internal/inputfile"
	"github.com/xdsctl/xdsctl/internal/jsonscan"
	"github.com/xdsctl/xdsctl/internal/kube"
	"github.com/xdsctl/xdsctl/internal/livefetch"
	"github.com/xdsctl/xdsctl/internal/xdsclient"
	"github.com/xdsctl/xdsctl/pkg/status"
	"github.com/xdsctl/xdsctl/pkg/status/decode"
	"github.com/xdsctl/xdsctl/pkg/status/infer"
)

// maxInput is the largest file read; tests lower it.
var maxInput int64 = inputfile.MaxSize

func run(ctx context.Context, o *Options) error {
	if o.Target != "" || o.CPFile != "" {
		return runCompare(ctx, o, nil)
	}
	if o.File != "" {
		data, err := readInput(o.IO.In, o.File, "file")
		if err != nil {
			return err
		}
		kind := detect(data)
		if kind == inputConfigDump && !o.FromProxies {
			return runCompare(ctx, o, data)
		}
		rep, err := decodeFile(data, kind, o.File)
		if err != nil {
			return err
		}
		return o.show(rep)
	}
	if o.Watch {
		return o.watch(ctx)
	}
	rep, err := o.fetch(ctx)
	if err != nil {
		return err
	}
	return o.show(rep)
}

// fetched is a report with what was said while getting it.
type fetched struct {
	*status.Report
	inferred bool
	source   string // where the status came from, for messages
}

// fetch asks the control plane (or the proxies) for the status of every proxy.
func (o *Options) fetch(ctx context.Context) (*fetched, error) {
	switch {
	case o.XDSAddress != "":
		c, err := xdsclient.Dial(o.connOptions())
		if err != nil {
			return nil, err
		}
		defer c.Close()
		b, err := c.FetchClientStatus(ctx)
		if err != nil {
			return nil, o.csdsHint(err)
		}
		r, err := decode.DecodeClientStatus(b, o.XDSAddress)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", o.csdsName(), err)
		}
		return &fetched{Report: r, source: o.csdsName()}, nil
	case o.FromProxies:
		return o.fetchFromProxies(ctx)
	}
	cl, err := o.Cluster()
	if err != nil {
		return nil, err
	}
	answers, err := xdsclient.NewIstiod(cl, o.istiodOptions()).Syncz(ctx)
	if err != nil {
		return nil, o.istiodHint(err)
	}
	var reports []*status.Report
	var errs []error
	for _, a := range answers {
		var r *status.Report
		switch {
		case a.Err != nil:
			errs = append(errs, a.Err)
			continue
		case a.Legacy != nil:
			r, err = decode.DecodeSynczLegacyJSON(a.Legacy, a.Pod)
		default:
			r, err = decode.DecodeSyncz(a.Response, a.Pod)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("istiod pod %q: %w", a.Pod, err))
			continue
		}
		reports = append(reports, r)
	}
	if len(reports) == 0 {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, o.istiodHint(errs[0]) // the first replica's error, with its hint
	}
	merged := status.Merge(reports...)
	for _, e := range errs {
		merged.Warnings = append(merged.Warnings, fmt.Sprintf("%v; its proxies are missing", e))
	}
	return &fetched{Report: merged, source: "istiod"}, nil
}

// fetchFromProxies reads every proxy pod's config dump and infers its status.
func (o *Options) fetchFromProxies(ctx context.Context) (*fetched, error) {
	cl, err := o.Cluster()
	if err != nil {
		return nil, err
	}
	ns := o.Namespace()
	where := ""
	switch {
	case o.AllNamespaces:
		ns, where = "", "in any namespace"
	case ns == "":
		if ns, err = cl.DefaultNamespace(); err != nil {
			return nil, err
		}
		fallthrough
	default:
		where = fmt.Sprintf("in namespace %q", ns)
	}
	pods, err := cl.ListPods(ctx, ns, o.Selector)
	if err != nil {
		return nil, err
	}
	var proxies []corev1.Pod
	for i := range pods {
		if o.Selector != "" || kube.LooksLikeProxy(&pods[i]) {
			proxies = append(proxies, pods[i])
		}
	}
	if len(proxies) == 0 {
		what := "no pods that look like proxies (an istio-proxy or envoy container)"
		if o.Selector != "" {
			what = fmt.Sprintf("no pods match selector %q", o.Selector)
		}
		return nil, cmdutil.WithHint(fmt.Errorf("%s %s", what, where), "look in every namespace with -A, or select the proxy pods with -l")
	}
	byName := map[string]*corev1.Pod{}
	for i := range proxies {
		byName[proxies[i].Name+"."+proxies[i].Namespace] = &proxies[i]
	}
	res, err := livefetch.Do(ctx, o.IO, staticTargets(cl.TargetsForPods(proxies, o.AdminPort, o.MaxResponse)), cmdutil.TargetQuery{},
		livefetch.Options{Timeout: o.Timeout + o.Timeout/2}, func(ctx context.Context, c admin.Client) (map[string][]byte, error) {
			cctx, cancel := context.WithTimeout(ctx, o.Timeout)
			defer cancel()
			b, err := c.Get(cctx, admin.PathConfigDumpWithEDS)
			return map[string][]byte{admin.PathConfigDumpWithEDS: b}, err
		})
	if err != nil {
		return nil, err
	}
	rep := &status.Report{}
	var failed int
	var firstErr error
	for _, r := range res {
		if r.Err != nil {
			failed++
			if firstErr == nil {
				firstErr = r.Err
			}
			rep.Warnings = append(rep.Warnings, fmt.Sprintf("%s: %v", r.Target, r.Err))
			continue
		}
		f, err := infer.FactsFromDump(r.Bodies[admin.PathConfigDumpWithEDS], r.Target)
		if err != nil {
			failed++
			rep.Warnings = append(rep.Warnings, fmt.Sprintf("%s: %v", r.Target, err))
			continue
		}
		if pod := byName[r.Target]; pod != nil {
			f.Namespace = pod.Namespace
			f.Labels = pod.Labels
		}
		rep.Proxies = append(rep.Proxies, infer.Infer(f))
	}
	if len(rep.Proxies) == 0 && firstErr != nil {
		return nil, firstErr
	}
	status.Sort(rep.Proxies)
	return &fetched{Report: rep, inferred: true, source: "the proxies"}, nil
}

// staticTargets is a TargetResolver that returns targets already made.
type staticTargets []admin.Target

func (s staticTargets) Resolve(context.Context, cmdutil.TargetQuery) ([]admin.Target, error) {
	return s, nil
}

// inputKind is what a --file holds.
type inputKind int

const (
	inputUnknown    inputKind = iota
	inputSyncz                // a DiscoveryResponse (istiod syncz)
	inputCSDS                 // a ClientStatusResponse
	inputLegacy               // istiod's HTTP /debug/syncz (a JSON array)
	inputConfigDump           // an Envoy /config_dump
)

// detect tells what a file holds from its top-level keys.
func detect(data []byte) inputKind {
	root := jsonscan.New(data)
	switch root.Kind() {
	case jsonscan.Array:
		return inputLegacy
	case jsonscan.Object:
	default:
		return inputUnknown
	}
	kind := inputUnknown
	_ = root.Fields(func(k []byte, _ jsonscan.Value) bool {
		switch {
		case jsonscan.KeyIs(k, "configs"):
			kind = inputConfigDump
		case jsonscan.KeyIs(k, "resources"), jsonscan.KeyIs(k, "type_url"), jsonscan.KeyIs(k, "version_info"), jsonscan.KeyIs(k, "control_plane"):
			kind = inputSyncz
		case jsonscan.KeyIs(k, "config"):
			kind = inputCSDS
		}
		return kind == inputUnknown
	})
	return kind
}

func decodeFile(data []byte, kind inputKind, path string) (*fetched, error) {
	var r *status.Report
	var err error
	name := "file " + path
	switch kind {
	case inputSyncz:
		r, err = decode.DecodeSynczJSON(data, "")
	case inputCSDS:
		r, err = decode.DecodeClientStatusJSON(data, "")
	case inputLegacy:
		r, err = decode.DecodeSynczLegacyJSON(data, "")
	case inputConfigDump:
		var f infer.ProxyFacts
		f, err = infer.FactsFromDump(data, "")
		if err == nil {
			r = &status.Report{Proxies: []status.ProxyStatus{infer.Infer(f)}}
			return &fetched{Report: r, inferred: true, source: name}, nil
		}
	default:
		return nil, cmdutil.WithHint(fmt.Errorf("%s is not a syncz, CSDS or /debug/syncz response, nor an Envoy config dump", inputName(path, "file")),
			"save one with: istioctl proxy-status -o json, curl istiod:15014/debug/syncz, or grpcurl ... envoy.service.status.v3.ClientStatusDiscoveryService/FetchClientStatus")
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", inputName(path, "file"), err)
	}
	return &fetched{Report: r, source: name}, nil
}

// cpFlag names --control-plane-file's input in messages.
const cpFlag = "--control-plane-file"

// readInput reads path, or standard input for "-"; the messages name the input by its flag
// ("file" for --file, as the messages always have).
func readInput(in io.Reader, path, flag string) ([]byte, error) {
	hint := "give the path of a saved syncz or CSDS response (with a proxy: its config dump), or - to read standard input"
	if flag == cpFlag {
		hint = "give the path of the control plane's view of the proxy: a config dump, or a saved istiod config_dump or CSDS response"
	}
	return inputfile.Input{Flag: flag, Want: "a file", Hint: hint, Kind: "a saved status or config dump", Max: maxInput}.Read(path, in)
}

// inputName is how messages name the input at path given with flag: `file "x.json"`,
// "standard input", `--control-plane-file "cp.json"`.
func inputName(path, flag string) string { return inputfile.Input{Flag: flag}.Name(path) }

// filter returns the proxies the flags select.
func (o *Options) filter(ps []status.ProxyStatus) ([]status.ProxyStatus, error) {
	f := status.Filter{States: o.states, NotStates: o.notStates}
	if ns := o.Namespace(); ns != "" && !o.AllNamespaces {
		f.Namespace = ns
	}
	if o.Selector != "" {
		sel, err := labels.Parse(o.Selector)
		if err != nil {
			return nil, cmdutil.FlagErrorf("invalid selector %q: %v", o.Selector, err)
		}
		f.Labels = sel
	}
	return f.Apply(ps), nil
}
