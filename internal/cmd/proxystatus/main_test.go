package proxystatus

import (
	"os"
	"testing"

	"github.com/xdsctl/xdsctl/internal/controlplane/grpcpeer/child"
	"github.com/xdsctl/xdsctl/internal/kube/kubetest"
)

// TestMain lets the test binary re-exec itself as a real gRPC-Go xDS client (grpcpeer), and shares
// one real API server (kubetest) among the tests that need it.
func TestMain(m *testing.M) {
	child.ExitIfChild()
	os.Exit(kubetest.Main(m))
}
