package kube

import (
	"context"
	"errors"
	"net/http"
	"os"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/cli-runtime/pkg/genericclioptions"

	"github.com/xdsctl/xdsctl/internal/cmdutil"
	"github.com/xdsctl/xdsctl/internal/kube/kubetest"
)

func TestMain(m *testing.M) { os.Exit(kubetest.Main(m)) }

const e2eDump = "../../testdata/dumps/istio/proxyconfig__config_dump.json"

func e2eResolver(c *kubetest.Cluster) *Resolver {
	flags := genericclioptions.NewConfigFlags(false)
	flags.KubeConfig = &c.Kubeconfig
	return NewResolver(flags)
}

// TestE2EOneForwardPerPod: every request to a pod goes through one port-forward and one HTTP
// connection; Close stops the port-forward.
func TestE2EOneForwardPerPod(t *testing.T) {
	t.Parallel()
	c := kubetest.Shared(t)
	ns := c.Namespace(t)
	a := kubetest.NewEnvoyAdmin(t, e2eDump)
	c.ProxyPod(t, ns, "p", a, kubetest.PodOptions{})
	for _, mode := range []PortForwardMode{PortForwardAuto, PortForwardWebSocket, PortForwardSPDY} {
		t.Run("mode "+string(mode), func(t *testing.T) {
			r := e2eResolver(c)
			r.Mode = mode
			var urls []string
			open := r.Forward
			r.Forward = func(ctx context.Context, pod *corev1.Pod, port int) (*Forward, error) {
				fw, err := open(ctx, pod, port)
				if err == nil {
					urls = append(urls, fw.URL)
				}
				return fw, err
			}
			ts, err := r.Resolve(context.Background(), cmdutil.TargetQuery{Args: []string{"p." + ns}})
			if err != nil {
				t.Fatal(err)
			}
			conns, reqs := a.Connections(), len(a.Requests())
			ctx := context.Background()
			for _, p := range []string{"/config_dump", "/server_info", "/clusters?format=json"} {
				if _, err := ts[0].Client.Get(ctx, p); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := ts[0].Client.Post(ctx, "/logging"); err != nil {
				t.Fatal(err)
			}
			// one port-forward; a connection through it per request (adminhttp does not reuse
			// connections: see its New)
			if len(urls) != 1 || a.Connections()-conns != 4 || len(a.Requests())-reqs != 4 {
				t.Fatalf("%d port-forwards, %d connections for %d requests; want 1, 4, 4", len(urls), a.Connections()-conns, len(a.Requests())-reqs)
			}
			if err := ts[0].Client.Close(); err != nil {
				t.Fatal(err)
			}
			if resp, err := (&http.Client{Timeout: time.Second}).Get(urls[0] + "/ready"); err == nil {
				resp.Body.Close()
				t.Fatalf("the port-forward still answers after Close")
			}
		})
	}
}

// TestE2EPodSideErrors: what the pod side reports through the port-forward becomes one line.
func TestE2EPodSideErrors(t *testing.T) {
	t.Parallel()
	c := kubetest.Shared(t)
	ns := c.Namespace(t)
	c.CreatePod(t, ns, "closed", kubetest.PodOptions{Forward: map[int]string{15000: kubetest.ClosedAddr(t)}})
	r := e2eResolver(c)
	ts, err := r.Resolve(context.Background(), cmdutil.TargetQuery{Args: []string{"closed." + ns}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = ts[0].Client.Get(context.Background(), "/config_dump")
	if !errors.Is(err, ErrRefused) {
		t.Fatalf("got %v, want a refusal", err)
	}
	// the same client keeps failing the same way (no second port-forward, no hang)
	start := time.Now()
	if _, err2 := ts[0].Client.Get(context.Background(), "/server_info"); !errors.Is(err2, ErrRefused) || time.Since(start) > 3*time.Second {
		t.Fatalf("second request: %v after %s", err2, time.Since(start))
	}
	_ = ts[0].Client.Close()
}
