package describe

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	dynamicfake "k8s.io/client-go/dynamic/fake"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/xdsctl/xdsctl/internal/cmdutil"
	"github.com/xdsctl/xdsctl/pkg/describe"
)

// fakeCluster builds fake typed and dynamic clients from object files. served maps an API group
// to the versions discovery announces (a group left out is not installed); custom resources are
// stored at the first served version of their type, as the API server would convert them.
func fakeCluster(t *testing.T, served map[string][]string, files ...string) (*Clients, *dynamicfake.FakeDynamicClient) {
	t.Helper()
	c := &describe.Cluster{CRDs: map[string]describe.CRDState{}}
	for _, f := range files {
		data, err := os.ReadFile(k8sDir + f)
		require.NoError(t, err)
		part, _, err := describe.ParseObjects(data)
		require.NoError(t, err)
		c.Merge(part)
	}
	var core []runtime.Object
	for i := range c.Pods {
		core = append(core, &c.Pods[i])
	}
	for i := range c.Services {
		core = append(core, &c.Services[i])
	}
	for i := range c.ConfigMaps {
		core = append(core, &c.ConfigMaps[i])
	}
	kc := fake.NewClientset(core...)
	var resources []*metav1.APIResourceList
	for group, versions := range served {
		for _, v := range versions {
			rl := &metav1.APIResourceList{GroupVersion: group + "/" + v}
			for _, rt := range describe.ResourceTypes {
				if rt.Group == group {
					rl.APIResources = append(rl.APIResources, metav1.APIResource{Name: rt.Resource, Kind: rt.Kind, Namespaced: true})
				}
			}
			resources = append(resources, rl)
		}
	}
	kc.Resources = resources

	listKinds := map[schema.GroupVersionResource]string{}
	for _, rt := range describe.ResourceTypes {
		for _, v := range rt.Versions {
			listKinds[schema.GroupVersionResource{Group: rt.Group, Version: v, Resource: rt.Resource}] = rt.Kind + "List"
		}
	}
	dc := dynamicfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(), listKinds)
	for i := range c.Objects {
		u := c.Objects[i].DeepCopy()
		gvk := u.GroupVersionKind()
		for _, rt := range describe.ResourceTypes {
			if rt.Group != gvk.Group || rt.Kind != gvk.Kind {
				continue
			}
			for _, v := range rt.Versions {
				if contains(served[rt.Group], v) {
					u.SetAPIVersion(rt.Group + "/" + v)
					// explicit resource: the fake's guess from the kind says "gatewaies"
					gvr := schema.GroupVersionResource{Group: rt.Group, Version: v, Resource: rt.Resource}
					require.NoError(t, dc.Tracker().Create(gvr, u, u.GetNamespace()))
					break
				}
			}
		}
	}
	return &Clients{Kube: kc, Dynamic: dc, Namespace: "default"}, dc
}

var allServed = map[string][]string{
	describe.GroupNetworking: {"v1", "v1beta1", "v1alpha3"},
	describe.GroupSecurity:   {"v1", "v1beta1"},
	describe.GroupGatewayAPI: {"v1", "v1beta1"},
}

func liveRun(t *testing.T, cl *Clients, dumps map[string]string, args string) (string, string, *memResolver, error) {
	t.Helper()
	f, out, errOut := testFactory(t, dumps)
	res := &memResolver{t: t, dumps: dumps}
	f.Resolver = func() (cmdutil.TargetResolver, error) { return res, nil }
	err := executeWith(t, f, args, func(o *Options) { o.Clients = func() (*Clients, error) { return cl, nil } })
	return out.String(), errOut.String(), res, err
}

// TestLive runs the live path against fake API clients and an in-memory admin API serving real
// dumps: objects come from the API, config dumps through the resolver.
func TestLive(t *testing.T) {
	cl, _ := fakeCluster(t, allServed, "bookinfo-1.3.yaml", "destinationrules-1.3.yaml", "gateway-1.3-lb.yaml", "bookinfo-gateway.yaml")
	out, errOut, res, err := liveRun(t, cl, map[string]string{pod13 + ".default": dumpProductpage13, gw13: dumpGateway13}, "pod "+pod13)
	require.NoError(t, err)
	assert.Empty(t, errOut)
	assertGolden(t, []byte(out), "live/ingress-lb.text")
	require.Len(t, res.queries, 1)
	assert.Equal(t, []string{pod13 + ".default", gw13}, res.queries[0].Args, "the pod's proxy and its gateway's, in one fetch")
}

func TestLiveCRDsAbsent(t *testing.T) {
	cl, _ := fakeCluster(t, nil, "bookinfo-1.5.yaml", "details-no-sidecar.yaml")
	out, errOut, res, err := liveRun(t, cl, nil, "pod details-v1-6fc55d65c9-k7b2x")
	require.NoError(t, err)
	assert.Empty(t, errOut)
	assert.Empty(t, res.queries, "no proxy to read")
	assertGolden(t, []byte(out), "live/crds-absent.text")
}

func TestLiveVersionsAndPartialCRDs(t *testing.T) {
	// an old Istio: networking at v1alpha3 only, security at v1beta1, no Gateway API
	served := map[string][]string{describe.GroupNetworking: {"v1alpha3"}, describe.GroupSecurity: {"v1beta1"}}
	cl, _ := fakeCluster(t, served, "bookinfo-1.5.yaml", "mesh-1.5.yaml", "peerauthentication-namespace-strict.yaml", "destinationrule-tls-disable.yaml")
	out, errOut, _, err := liveRun(t, cl, map[string]string{pod15 + ".default": dumpProductpage15}, "pod "+pod15+" -o json")
	require.NoError(t, err)
	assert.Empty(t, errOut)
	assert.Contains(t, out, `"istio": "installed"`)
	assert.Contains(t, out, `"gatewayAPI": "not installed"`)
	assert.Contains(t, out, `"kind": "TLSConflict"`, "the v1beta1 PeerAuthentications and v1alpha3 DestinationRule were read")
	assert.Contains(t, out, `"name": "default",
        "namespace": "default",
        "level": "namespace",
        "mode": "STRICT"`)
}

func TestLiveForbiddenFallsBackToNamespaces(t *testing.T) {
	cl, dc := fakeCluster(t, allServed, "bookinfo-1.5.yaml", "mesh-1.5.yaml", "peerauthentication-mesh-strict.yaml", "destinationrule-tls-disable.yaml")
	dc.PrependReactor("list", "*", func(a k8stesting.Action) (bool, runtime.Object, error) {
		if a.GetNamespace() == "" {
			gr := schema.GroupResource{Group: a.GetResource().Group, Resource: a.GetResource().Resource}
			return true, nil, apierrors.NewForbidden(gr, "", nil)
		}
		return false, nil, nil
	})
	out, errOut, _, err := liveRun(t, cl, map[string]string{pod15 + ".default": dumpProductpage15}, "pod "+pod15)
	require.NoError(t, err)
	assert.Contains(t, errOut, "Warning: not allowed to list destinationrules.networking.istio.io in all namespaces; read them in namespace(s) default, istio-system only\n")
	assert.Equal(t, len(describe.ResourceTypes), strings.Count(errOut, "Warning: not allowed to list"))
	assert.Contains(t, out, "TLS conflict on productpage port 9080", "objects read namespace by namespace are used")
	assert.NotContains(t, out, "Warning")
}

func TestLiveProxyUnreachable(t *testing.T) {
	cl, _ := fakeCluster(t, allServed, "bookinfo-1.5.yaml", "mesh-1.5.yaml")
	out, _, _, err := liveRun(t, cl, nil, "pod "+pod15)
	require.NoError(t, err, "a proxy that cannot be read is reported, not fatal")
	assert.Contains(t, out, "   Proxy config: not available from live: connection refused\n")
}

func TestLiveNotFound(t *testing.T) {
	cl, _ := fakeCluster(t, allServed, "bookinfo-1.5.yaml")
	_, _, _, err := liveRun(t, cl, nil, "pod nope.shop")
	require.Error(t, err)
	assert.Equal(t, `pod "nope" not found in namespace "shop": not found`, err.Error())
	_, _, _, err = liveRun(t, cl, nil, "svc nope")
	require.Error(t, err)
	assert.Equal(t, `service "nope" not found in namespace "default": not found`, err.Error())
}

func TestLiveService(t *testing.T) {
	cl, _ := fakeCluster(t, allServed, "bookinfo-1.3.yaml", "destinationrules-1.3.yaml", "productpage-v2-pending.yaml")
	out, _, res, err := liveRun(t, cl, map[string]string{pod13 + ".default": dumpProductpage13}, "service productpage")
	require.NoError(t, err)
	require.Len(t, res.queries, 1)
	assert.Equal(t, []string{pod13 + ".default", "productpage-v2-5c8f9d6b7-x2mzq.default"}, res.queries[0].Args)
	assert.Contains(t, out, "Pod 2 of 2\nPod: productpage-v2-5c8f9d6b7-x2mzq\n")
	assert.Contains(t, out, "   Proxy config: not available from live: connection refused\n")
}
