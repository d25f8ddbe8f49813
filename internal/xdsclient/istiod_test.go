package xdsclient

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/xdsctl/xdsctl/internal/cmdutil"
	"github.com/xdsctl/xdsctl/internal/xdsclient/istiodemu"
	"github.com/xdsctl/xdsctl/pkg/status"
	"github.com/xdsctl/xdsctl/pkg/status/decode"
	"github.com/xdsctl/xdsctl/pkg/xdswire"
)

// fakeCluster stands in for Kubernetes: pods, port-forwards to emulated istiods, tokens.
type fakeCluster struct {
	pods     []corev1.Pod
	emus     map[string]*istiodemu.Server // pod name -> emulator
	token    string
	tokenErr error

	mu       sync.Mutex
	forwards []string // pod:port
	tokenReq []string // ns/sa/audiences
}

func (f *fakeCluster) DefaultNamespace() (string, error) { return "default", nil }

func (f *fakeCluster) ListPods(_ context.Context, ns, selector string) ([]corev1.Pod, error) {
	sel, err := labels.Parse(selector)
	if err != nil {
		return nil, err
	}
	var out []corev1.Pod
	for _, p := range f.pods {
		if p.Namespace == ns && sel.Matches(labels.Set(p.Labels)) {
			out = append(out, p)
		}
	}
	return out, nil
}

func (f *fakeCluster) ForwardPort(_ context.Context, pod *corev1.Pod, port int) (string, func(), error) {
	f.mu.Lock()
	f.forwards = append(f.forwards, fmt.Sprintf("%s:%d", pod.Name, port))
	f.mu.Unlock()
	emu := f.emus[pod.Name]
	switch port {
	case PortXDSTLS, PortXDSPlaintext:
		return emu.GRPCAddr, func() {}, nil
	case PortDebugHTTP:
		return emu.HTTPAddr, func() {}, nil
	}
	return "", nil, fmt.Errorf("nothing listens on port %d", port)
}

func (f *fakeCluster) ServiceAccountToken(_ context.Context, ns, sa string, aud []string, _ time.Duration) (string, error) {
	f.mu.Lock()
	f.tokenReq = append(f.tokenReq, ns+"/"+sa+"/"+strings.Join(aud, ","))
	f.mu.Unlock()
	return f.token, f.tokenErr
}

func istiodPod(name, rev string, phase corev1.PodPhase) corev1.Pod {
	return corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "istio-system", Labels: map[string]string{"app": "istiod", "istio.io/rev": rev}},
		Status:     corev1.PodStatus{Phase: phase},
	}
}

// twoReplicas starts two emulated istiods, each with its own proxies, the way a 2-replica revision
// splits its connections.
func twoReplicas(t *testing.T, o istiodemu.Options) *fakeCluster {
	t.Helper()
	dump, err := os.ReadFile("../../testdata/dumps/istio/writer__compare__configdump.json")
	require.NoError(t, err)
	all := proxies()
	second := istiodemu.Proxy{ID: "ratings-v1-xyz.bookinfo", ClusterID: "Kubernetes", IstioVersion: "1.28.0", ConfigDump: dump,
		Watches: map[string]istiodemu.Watch{istiodemu.CDS: {NonceSent: "1", NonceAcked: "1", LastSent: t0}}}
	oa, ob := o, o
	oa.ID, oa.Proxies = "istiod-a", all
	ob.ID, ob.Proxies = "istiod-b", []istiodemu.Proxy{second}
	return &fakeCluster{
		pods:  []corev1.Pod{istiodPod("istiod-a", "default", corev1.PodRunning), istiodPod("istiod-b", "default", corev1.PodRunning), istiodPod("istiod-old", "default", corev1.PodPending)},
		emus:  map[string]*istiodemu.Server{"istiod-a": startEmu(t, oa), "istiod-b": startEmu(t, ob)},
		token: o.Token,
	}
}

func decodeAnswers(t *testing.T, answers []Answer) *status.Report {
	t.Helper()
	var reports []*status.Report
	for _, a := range answers {
		require.NoError(t, a.Err, a.Pod)
		var r *status.Report
		var err error
		if a.Legacy != nil {
			r, err = decode.DecodeSynczLegacyJSON(a.Legacy, a.Pod)
		} else {
			r, err = decode.DecodeSyncz(a.Response, a.Pod)
		}
		require.NoError(t, err)
		reports = append(reports, r)
	}
	return status.Merge(reports...)
}

func TestIstiodSynczAllReplicas(t *testing.T) {
	pki, err := istiodemu.NewPKI()
	require.NoError(t, err)
	t.Run("15012 with a TokenRequest token", func(t *testing.T) {
		cl := twoReplicas(t, istiodemu.Options{TLS: pki.Server, Token: "sa-token"})
		i := NewIstiod(cl, IstiodOptions{})
		answers, err := i.Syncz(context.Background())
		require.NoError(t, err)
		r := decodeAnswers(t, answers)
		require.Len(t, r.Proxies, 2)
		assert.Equal(t, "ratings-v1-xyz.bookinfo", r.Proxies[0].Name)
		assert.Equal(t, "istiod-b", r.Proxies[0].ControlPlane)
		assert.Equal(t, "reviews-v1-abc.bookinfo", r.Proxies[1].Name)
		assert.Equal(t, "istiod-a", r.Proxies[1].ControlPlane)
		assert.Equal(t, []string{"istio-system/default/istio-ca"}, cl.tokenReq, "one token for all replicas")
		assert.ElementsMatch(t, []string{"istiod-a:15012", "istiod-b:15012"}, cl.forwards, "the pending pod is not asked")
	})
	t.Run("15010 plaintext asks for no token", func(t *testing.T) {
		cl := twoReplicas(t, istiodemu.Options{})
		answers, err := NewIstiod(cl, IstiodOptions{Plaintext: true}).Syncz(context.Background())
		require.NoError(t, err)
		assert.Len(t, decodeAnswers(t, answers).Proxies, 2)
		assert.Empty(t, cl.tokenReq)
		assert.ElementsMatch(t, []string{"istiod-a:15010", "istiod-b:15010"}, cl.forwards)
	})
	t.Run("HTTP 15014 fallback for an istiod without the debug type", func(t *testing.T) {
		cl := twoReplicas(t, istiodemu.Options{NoSyncz: true})
		var warn strings.Builder
		answers, err := NewIstiod(cl, IstiodOptions{Plaintext: true, Warn: &warn}).Syncz(context.Background())
		require.NoError(t, err)
		r := decodeAnswers(t, answers)
		require.Len(t, r.Proxies, 2)
		lds, _ := r.Proxies[1].Type("LDS")
		assert.Equal(t, status.StateStale, lds.State)
		assert.Contains(t, warn.String(), `Note: istiod pod "istiod-a" did not answer istio.io/debug/syncz over xDS`)
		assert.Contains(t, warn.String(), "HTTP :15014/debug/syncz")
	})
	t.Run("a bad token is an error per replica, no fallback", func(t *testing.T) {
		cl := twoReplicas(t, istiodemu.Options{TLS: pki.Server, Token: "sa-token"})
		cl.token = "stale"
		answers, err := NewIstiod(cl, IstiodOptions{}).Syncz(context.Background())
		require.NoError(t, err)
		for _, a := range answers {
			require.ErrorIs(t, a.Err, ErrUnauthorized)
			assert.Contains(t, a.Err.Error(), fmt.Sprintf("istiod pod %q (port 15012)", a.Pod))
		}
	})
	t.Run("revision selects pods", func(t *testing.T) {
		cl := twoReplicas(t, istiodemu.Options{})
		_, err := NewIstiod(cl, IstiodOptions{Plaintext: true, Revision: "canary"}).Syncz(context.Background())
		require.ErrorIs(t, err, ErrNoIstiod)
		assert.Equal(t, `no istiod pods (label app=istiod,istio.io/rev=canary) in namespace "istio-system": no istiod`, err.Error())
		assert.Contains(t, cmdutil.HintOf(err), "-i/--istio-namespace")
	})
	t.Run("only pending pods", func(t *testing.T) {
		cl := &fakeCluster{pods: []corev1.Pod{istiodPod("istiod-x", "default", corev1.PodPending)}}
		_, err := NewIstiod(cl, IstiodOptions{}).Syncz(context.Background())
		require.ErrorIs(t, err, ErrNoIstiod)
		assert.Contains(t, err.Error(), "no running istiod pods")
	})
	t.Run("token request forbidden", func(t *testing.T) {
		cl := twoReplicas(t, istiodemu.Options{TLS: pki.Server})
		cl.tokenErr = cmdutil.WithHint(errors.New(`forbidden: you are not allowed to create serviceaccounts/token in namespace "istio-system"`), "rbac hint")
		_, err := NewIstiod(cl, IstiodOptions{}).Syncz(context.Background())
		require.Error(t, err)
		assert.Contains(t, err.Error(), "get a token for istiod: forbidden")
		assert.Equal(t, "rbac hint; or pass --token, or ask istiod's plaintext port 15010 with --plaintext", cmdutil.HintOf(err))
	})
}

func TestIstiodConfigDump(t *testing.T) {
	cl := twoReplicas(t, istiodemu.Options{})
	i := NewIstiod(cl, IstiodOptions{Plaintext: true})
	b, pod, err := i.ConfigDump(context.Background(), "ratings-v1-xyz.bookinfo")
	require.NoError(t, err)
	assert.Equal(t, "istiod-b", pod, "istiod-a answers 'not connected'")
	resp, err := xdswire.ParseDiscoveryResponse(b)
	require.NoError(t, err)
	assert.Len(t, resp.Resources, 3)

	_, _, err = i.ConfigDump(context.Background(), "nobody.ns")
	require.Error(t, err)
	assert.Equal(t, `no istiod replica (label app=istiod in namespace "istio-system") has proxy "nobody.ns" connected`, err.Error())
}
