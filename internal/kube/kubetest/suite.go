package kubetest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// EnvE2E set to 1 (as `make test` does) turns missing harness binaries into test failures instead
// of skips.
const EnvE2E = "XDSCTL_E2E"

// startTimeout bounds Start: a warm start takes about 4 s.
const startTimeout = 2 * time.Minute

var (
	sharedMu      sync.Mutex
	shared        *Cluster
	sharedErr     error
	sharedStarted bool
)

// Main runs a package's tests and then stops the shared cluster, if a test started one. Use it
// as the package's TestMain:
//
//	func TestMain(m *testing.M) { os.Exit(kubetest.Main(m)) }
//
// On SIGINT or SIGTERM it stops the cluster before the test binary exits. If the binary is killed
// outright (or `go test -timeout` panics it) the harness processes die with it anyway.
func Main(m *testing.M) int {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() {
		s := <-sig
		stopShared()
		fmt.Fprintf(os.Stderr, "kubetest: %v: stopped the cluster\n", s)
		os.Exit(1)
	}()
	code := m.Run()
	signal.Stop(sig)
	stopShared()
	return code
}

// Shared returns the package's cluster, starting it on first use (about 4 s). Tests share it:
// each one works in a namespace of its own (Namespace). Without the harness binaries the test is
// skipped with a message saying how to build them, unless XDSCTL_E2E=1, where it fails. In
// `go test -short` e2e tests are skipped.
func Shared(t testing.TB) *Cluster {
	t.Helper()
	if testing.Short() {
		t.Skip("kubetest: end-to-end test skipped in -short mode")
	}
	sharedMu.Lock()
	defer sharedMu.Unlock()
	if !sharedStarted {
		sharedStarted = true
		bins, err := FindBinaries()
		if err != nil {
			sharedErr = err
		} else {
			ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
			shared, sharedErr = Start(ctx, bins)
			cancel()
			if sharedErr == nil && os.Getenv("XDSCTL_E2E_VERBOSE") == "1" {
				fmt.Fprintf(os.Stderr, "kubetest: cluster ready in %s (%s) in %s\n", shared.StartupTime().Round(time.Millisecond),
					strings.Join(shared.StartupPhases(), ", "), shared.RunDir)
			}
		}
	}
	if sharedErr != nil {
		if errors.Is(sharedErr, ErrNoBinaries) && os.Getenv(EnvE2E) != "1" {
			t.Skipf("kubetest: %v; or run make test (set %s=1 to fail instead of skip)", sharedErr, EnvE2E)
		}
		t.Fatalf("kubetest: %v", sharedErr)
	}
	return shared
}

func stopShared() {
	sharedMu.Lock()
	defer sharedMu.Unlock()
	if shared != nil {
		shared.Stop()
		shared = nil
	}
}
