package proxystatus_test

// End-to-end tests of the Istio path against a real kube-apiserver (kubetest): xdsctl runs
// in-process (root.Run, as main does), finds the istiod pods with the API, gets a service-account
// token from the real TokenRequest API, and reaches each istiod pod's ports 15012, 15010 and 15014
// through real client-go port-forwards (API server and kwok) — to EMULATED istiods (istiodemu, not
// istiod), which check the token with a real TokenReview.

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/xdsctl/xdsctl/internal/cmd/root"
	"github.com/xdsctl/xdsctl/internal/iostreams"
	"github.com/xdsctl/xdsctl/internal/kube/kubetest"
	"github.com/xdsctl/xdsctl/internal/xdsclient/istiodemu"
)

var e2eNow = time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)

type result struct {
	code           int
	stdout, stderr string
}

func (r result) String() string {
	return fmt.Sprintf("exit %d\n--- stdout\n%s--- stderr\n%s", r.code, r.stdout, r.stderr)
}

func xdsctl(t *testing.T, kubeconfig string, args ...string) result {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	f := root.NewFactory(ios)
	f.Now = func() time.Time { return e2eNow }
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	code := root.Run(ctx, f, append(args, "--kubeconfig", kubeconfig))
	return result{code: code, stdout: out.String(), stderr: errOut.String()}
}

func watch(id string, nonce, acked string, ago time.Duration, lastErr string) istiodemu.Watch {
	return istiodemu.Watch{NonceSent: nonce, NonceAcked: acked, LastSent: e2eNow.Add(-ago), LastError: lastErr}
}

// tokenReview checks a bearer token as istiod does: a real TokenReview for audience istio-ca, from
// the "default" service account of istiod's namespace.
func tokenReview(c *kubetest.Cluster, ns string) func(string) error {
	return func(token string) error {
		if token == "" {
			return errors.New("authentication failure: no bearer token")
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		tr, err := c.Client.AuthenticationV1().TokenReviews().Create(ctx, &authenticationv1.TokenReview{
			Spec: authenticationv1.TokenReviewSpec{Token: token, Audiences: []string{"istio-ca"}},
		}, metav1.CreateOptions{})
		if err != nil {
			return err
		}
		if !tr.Status.Authenticated {
			return fmt.Errorf("authentication failure: %s", tr.Status.Error)
		}
		if want := "system:serviceaccount:" + ns + ":default"; tr.Status.User.Username != want {
			return fmt.Errorf("authentication failure: %s is not %s", tr.Status.User.Username, want)
		}
		return nil
	}
}

// istiodReplica starts the emulated istiod of one replica, TLS (15012) and plaintext (15010), and
// its pod, whose ports forward to them.
func istiodReplica(t *testing.T, c *kubetest.Cluster, ns, name string, proxies []istiodemu.Proxy, pki *istiodemu.PKI) (tlsEmu, plainEmu *istiodemu.Server) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	var err error
	tlsEmu, err = istiodemu.Start(ctx, istiodemu.Options{ID: name, Version: "1.28.0", Proxies: proxies, TLS: pki.Server, TokenFunc: tokenReview(c, ns)})
	if err != nil {
		t.Fatal(err)
	}
	plainEmu, err = istiodemu.Start(ctx, istiodemu.Options{ID: name, Version: "1.28.0", Proxies: proxies})
	if err != nil {
		t.Fatal(err)
	}
	c.CreatePod(t, ns, name, kubetest.PodOptions{
		Labels:     map[string]string{"app": "istiod", "istio.io/rev": "default"},
		Containers: []corev1.Container{{Name: "discovery", Image: "docker.io/istio/pilot:kubetest"}},
		Forward:    map[int]string{15012: tlsEmu.GRPCAddr, 15010: plainEmu.GRPCAddr, 15014: plainEmu.HTTPAddr},
	})
	return tlsEmu, plainEmu
}

func TestIstioThroughTheAPIServer(t *testing.T) {
	c := kubetest.Shared(t)
	istioNS := c.Namespace(t)
	appNS := c.Namespace(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// no controller manager runs, so the service account istioctl and xdsctl use must be made
	if _, err := c.Client.CoreV1().ServiceAccounts(istioNS).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "default"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	pki, err := istiodemu.NewPKI()
	if err != nil {
		t.Fatal(err)
	}
	waypointDump, err := os.ReadFile("../../../testdata/dumps/istio/writer__compare__configdump.json")
	if err != nil {
		t.Fatal(err)
	}
	replicaA := []istiodemu.Proxy{
		{ID: "reviews-v1-abc." + appNS, ClusterID: "Kubernetes", IstioVersion: "1.28.0",
			Watches: map[string]istiodemu.Watch{
				istiodemu.CDS: watch("", "4", "4", time.Minute, ""), istiodemu.LDS: watch("", "5", "4", 2*time.Second, ""),
				istiodemu.EDS: {}, istiodemu.RDS: watch("", "6", "5", time.Hour, "route rejected"),
			}},
		{ID: "waypoint-abc." + appNS, ClusterID: "Kubernetes", IstioVersion: "1.28.0", ConfigDump: waypointDump,
			Watches: map[string]istiodemu.Watch{istiodemu.CDS: watch("", "2", "2", time.Minute, ""), istiodemu.LDS: watch("", "2", "2", time.Minute, "")}},
	}
	replicaB := []istiodemu.Proxy{
		{ID: "ratings-v1-def." + appNS, ClusterID: "Kubernetes", IstioVersion: "1.28.0",
			Watches: map[string]istiodemu.Watch{istiodemu.CDS: watch("", "9", "9", 5*time.Minute, ""), istiodemu.LDS: watch("", "9", "9", 5*time.Minute, "")}},
	}
	tlsA, _ := istiodReplica(t, c, istioNS, "istiod-7d4-a", replicaA, pki)
	istiodReplica(t, c, istioNS, "istiod-7d4-b", replicaB, pki)
	want := fmt.Sprintf(`NAME                             CLUSTER        CDS              LDS              EDS          RDS             ECDS        CONTROL PLANE     VERSION
ratings-v1-def.%[1]s     Kubernetes     SYNCED (5m)      SYNCED (5m)      IGNORED      IGNORED         IGNORED     istiod-7d4-b      1.28.0
reviews-v1-abc.%[1]s     Kubernetes     SYNCED (60s)     STALE (2s)       NOT SENT     ERROR (60m)     IGNORED     istiod-7d4-a      1.28.0
waypoint-abc.%[1]s       Kubernetes     SYNCED (60s)     SYNCED (60s)     IGNORED      IGNORED         IGNORED     istiod-7d4-a      1.28.0
`, appNS)

	t.Run("15012: TLS and a TokenRequest token, every replica merged", func(t *testing.T) {
		r := xdsctl(t, c.Kubeconfig, "proxy-status", "-i", istioNS)
		if r.code != 0 || r.stderr != "" {
			t.Fatal(r)
		}
		if got := alignFree(r.stdout); got != alignFree(want) {
			t.Fatalf("got\n%s\nwant\n%s", r.stdout, want)
		}
		reqs := tlsA.Requests()
		if len(reqs) == 0 || reqs[len(reqs)-1].Token == "" {
			t.Fatalf("istiod got no token: %+v", reqs)
		}
	})
	t.Run("15010: plaintext, with -n and --fail-on-unsynced", func(t *testing.T) {
		r := xdsctl(t, c.Kubeconfig, "ps", "-i", istioNS, "--plaintext", "-n", appNS, "--status", "!SYNCED", "--fail-on-unsynced")
		if r.code != 3 || !strings.Contains(r.stdout, "reviews-v1-abc."+appNS) || strings.Contains(r.stdout, "ratings") ||
			r.stderr != "1 of 1 proxy is not SYNCED\n" {
			t.Fatal(r)
		}
	})
	t.Run("compare a pod with what istiod sent it", func(t *testing.T) {
		a := kubetest.NewEnvoyAdmin(t, "../../../testdata/dumps/istio/writer__compare__configdump_diff.json")
		c.ProxyPod(t, appNS, "waypoint-abc", a, kubetest.PodOptions{})
		r := xdsctl(t, c.Kubeconfig, "ps", "waypoint-abc."+appNS, "-i", istioNS, "--fail-on-unsynced")
		if r.code != 3 || !strings.HasPrefix(r.stdout, "Clusters Don't Match (1 only on the control plane, 1 only on the proxy)\n--- istiod istiod-7d4-a\n+++ proxy waypoint-abc."+appNS+"\n") ||
			!strings.Contains(r.stdout, `-            "stat_prefix": "inbound_0.0.0.0_9080",`) {
			t.Fatal(r)
		}
	})
	t.Run("RBAC: no port-forward to istiod", func(t *testing.T) {
		user, kubeconfig := c.NewUser(t)
		c.Grant(t, user, istioNS,
			rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"get", "list"}},
			rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"serviceaccounts/token"}, Verbs: []string{"create"}})
		r := xdsctl(t, kubeconfig, "ps", "-i", istioNS, "--timeout", "5s")
		if r.code != 1 || !strings.Contains(r.stderr, "create pods/portforward") || !strings.Contains(r.stderr, "Hint: ") ||
			strings.Count(r.stderr, "\n") != 2 {
			t.Fatal(r)
		}
	})
	t.Run("RBAC: no token", func(t *testing.T) {
		user, kubeconfig := c.NewUser(t)
		c.Grant(t, user, istioNS, rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"get", "list"}})
		r := xdsctl(t, kubeconfig, "ps", "-i", istioNS)
		if r.code != 1 || !strings.Contains(r.stderr, "get a token for istiod") || !strings.Contains(r.stderr, "create serviceaccounts/token") {
			t.Fatal(r)
		}
	})
	t.Run("no istiod in the namespace", func(t *testing.T) {
		r := xdsctl(t, c.Kubeconfig, "ps", "-i", appNS)
		if r.code != 1 || !strings.Contains(r.stderr, fmt.Sprintf(`Error: no istiod pods (label app=istiod) in namespace %q`, appNS)) {
			t.Fatal(r)
		}
	})
}

// alignFree drops runs of spaces, so a table is compared by its cells (column widths depend on the
// random namespace name's length).
func alignFree(s string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		out = append(out, strings.Join(strings.Fields(l), " "))
	}
	return strings.Join(out, "\n")
}
