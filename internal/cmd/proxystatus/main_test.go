package proxystatus

import (
	"fmt"
	"os"
	"testing"

	"github.com/xdsctl/xdsctl/internal/controlplane/grpcpeer/child"
	"github.com/xdsctl/xdsctl/internal/kube/kubetest"
)

// TestMain lets the test binary re-exec itself as a real gRPC-Go xDS client (grpcpeer), and shares
// one real API server (kubetest) among the tests that need it.
func TestMain(m *testing.M) {
	if child.IsChild() {
		if err := child.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(kubetest.Main(m))
}
