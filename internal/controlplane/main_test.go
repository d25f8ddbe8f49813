package controlplane_test

import (
	"os"
	"testing"

	"github.com/xdsctl/xdsctl/internal/controlplane/grpcpeer/child"
)

// TestMain lets the test binary re-exec itself as the real gRPC-Go xDS client (grpcpeer).
func TestMain(m *testing.M) {
	child.ExitIfChild()
	os.Exit(m.Run())
}
