package controlplane_test

import (
	"fmt"
	"os"
	"testing"

	"github.com/xdsctl/xdsctl/internal/controlplane/grpcpeer/child"
)

// TestMain lets the test binary re-exec itself as the real gRPC-Go xDS client (grpcpeer).
func TestMain(m *testing.M) {
	if child.IsChild() {
		if err := child.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}
