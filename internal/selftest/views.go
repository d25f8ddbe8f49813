package selftest

import (
	"bytes"
	"context"
	"fmt"
	"sort"
	"strings"

	statusv3 "github.com/envoyproxy/go-control-plane/envoy/service/status/v3"

	"github.com/xdsctl/xdsctl/internal/admin"
	"github.com/xdsctl/xdsctl/internal/adminhttp"
	"github.com/xdsctl/xdsctl/internal/cmd/proxyconfig"
	"github.com/xdsctl/xdsctl/internal/cmdutil"
	cp "github.com/xdsctl/xdsctl/internal/controlplane"
	"github.com/xdsctl/xdsctl/internal/controlplane/grpcpeer"
	"github.com/xdsctl/xdsctl/internal/controlplane/xdsres"
	"github.com/xdsctl/xdsctl/internal/iostreams"
	"github.com/xdsctl/xdsctl/pkg/render"
	"github.com/xdsctl/xdsctl/pkg/status"
	"github.com/xdsctl/xdsctl/pkg/status/decode"
)

// indent writes b with every line indented by four spaces.
func (r *run) indent(b []byte) {
	for _, line := range strings.SplitAfter(strings.TrimRight(string(b), "\n"), "\n") {
		fmt.Fprintf(r.out, "    %s", line)
	}
	fmt.Fprintln(r.out)
}

// statusView prints the control plane's view of every proxy, as `xdsctl proxy-status` shows it
// (pkg/status over the control plane's CSDS).
func (r *run) statusView(wide bool) func(context.Context) {
	return func(context.Context) {
		title := "proxy-status (the control plane's CSDS)"
		if wide {
			title += ", wide"
		}
		fmt.Fprintf(r.out, "\n  %s:\n", title)
		resp, err := cp.ClientStatus(r.cp.Tracker(), &statusv3.ClientStatusRequest{})
		if err == nil {
			var b []byte
			b, err = xdsres.MarshalJSON(resp)
			if err == nil {
				var rep *status.Report
				rep, err = decode.DecodeClientStatusJSON(b, "xdsctl")
				if err == nil {
					headers, rows := status.Table(rep.Proxies, status.TableOptions{Wide: wide, Now: r.o.Now()})
					var out bytes.Buffer
					err = (&render.Table{Headers: headers, Rows: rows}).Write(&out)
					r.indent(out.Bytes())
				}
			}
		}
		if err != nil {
			fmt.Fprintf(r.out, "    (cannot show: %v)\n", err)
		}
	}
}

// grpcView prints the gRPC client's own CSDS: what it says it has, per resource.
func (r *run) grpcView(ctx context.Context) {
	fmt.Fprintf(r.out, "\n  the gRPC client's own CSDS (grpc/admin):\n")
	resp, err := r.peer.ClientStatus(ctx)
	if err != nil {
		fmt.Fprintf(r.out, "    (cannot show: %v)\n", err)
		return
	}
	res := grpcpeer.Resources(resp)
	keys := make([]string, 0, len(res))
	for k := range res {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	t := &render.Table{Headers: []string{"TYPE", "NAME", "STATUS", "VERSION", "ERROR"}, Padding: 3}
	for _, k := range keys {
		g := res[k]
		typ, name, _ := strings.Cut(k, " ")
		t.Rows = append(t.Rows, []string{typ, name, g.GetClientStatus().String(), render.Dash(g.GetVersionInfo()), render.Dash(oneLine(g.GetErrorState().GetDetails(), 90))})
	}
	var out bytes.Buffer
	_ = t.Write(&out)
	r.indent(out.Bytes())
}

func oneLine(s string, max int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > max {
		s = s[:max-3] + "..."
	}
	return s
}

// proxyConfig runs `xdsctl proxy-config <view> --admin <sidecar's admin URL>` in-process.
func (r *run) proxyConfig(node, view string, wide bool) func(context.Context) {
	return func(ctx context.Context) {
		args := []string{view, "--admin", r.sidecar(node).AdminURL()}
		shown := "xdsctl proxy-config " + view + " --admin " + r.sidecar(node).AdminURL()
		if wide {
			args = append(args, "-o", "wide")
			shown += " -o wide"
		}
		fmt.Fprintf(r.out, "\n  %s   (%s):\n", shown, node)
		var out, errOut bytes.Buffer
		f := &cmdutil.Factory{
			IOStreams: &iostreams.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut},
			Now:       r.o.Now,
			Resolver:  func() (cmdutil.TargetResolver, error) { return adminURLResolver{}, nil },
		}
		cmd := proxyconfig.NewCmdProxyConfig(f)
		cmd.SetArgs(args)
		cmd.SetOut(&out)
		cmd.SetErr(&errOut)
		cmd.SilenceUsage, cmd.SilenceErrors = true, true
		if err := cmd.ExecuteContext(ctx); err != nil {
			fmt.Fprintf(r.out, "    (cannot show: %v)\n", err)
			return
		}
		r.indent(out.Bytes())
	}
}

// adminURLResolver resolves --admin URLs only: the self-test has no Kubernetes.
type adminURLResolver struct{}

func (adminURLResolver) Resolve(_ context.Context, q cmdutil.TargetQuery) ([]admin.Target, error) {
	if q.AdminURL == "" {
		return nil, fmt.Errorf("the self-test reads proxies by --admin URL only")
	}
	c, err := adminhttp.New(q.AdminURL, adminhttp.Options{})
	if err != nil {
		return nil, err
	}
	return []admin.Target{{Name: q.AdminURL, Client: c}}, nil
}
