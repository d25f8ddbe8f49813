package kubetest

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Versions of the harness binaries. Keep them in sync with hack/kube-e2e/ensure.sh, which builds
// them; a stamp file next to each binary records the version it was built at.
const (
	K8sVersion  = "v1.36.3"
	KwokVersion = "v0.8.0"
	EtcdVersion = "v3.6.16"
)

// EnvBinDir overrides where the harness binaries are (default: the user cache, as ensure.sh).
const EnvBinDir = "XDSCTL_E2E_BIN_DIR"

// BinDir is where hack/kube-e2e/ensure.sh puts the binaries:
// $XDSCTL_E2E_BIN_DIR, else ${XDG_CACHE_HOME:-$HOME/.cache}/xdsctl/kube-e2e/bin.
func BinDir() string {
	if d := os.Getenv(EnvBinDir); d != "" {
		return d
	}
	cache := os.Getenv("XDG_CACHE_HOME")
	if cache == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			home = os.TempDir()
		}
		cache = filepath.Join(home, ".cache")
	}
	return filepath.Join(cache, "xdsctl", "kube-e2e", "bin")
}

// Binaries are the harness programs and kwok's data files.
type Binaries struct {
	Dir, Etcd, APIServer, Kwok string
	KwokData                   string // stage configs and the PortForward CRD, copied from kwok's module
}

// ErrNoBinaries means the harness binaries are not built (or at another version).
var ErrNoBinaries = errors.New("the e2e harness binaries are not built")

// FindBinaries checks the binaries and their version stamps in BinDir.
func FindBinaries() (Binaries, error) {
	d := BinDir()
	b := Binaries{
		Dir: d, Etcd: filepath.Join(d, "etcd"), APIServer: filepath.Join(d, "kube-apiserver"),
		Kwok: filepath.Join(d, "kwok"), KwokData: filepath.Join(d, "kwok-data"),
	}
	var missing []string
	for _, c := range []struct{ bin, stamp, version string }{
		{b.Etcd, "etcd.version", EtcdVersion},
		{b.APIServer, "kube-apiserver.version", K8sVersion},
		{b.Kwok, "kwok.version", KwokVersion},
		{b.KwokData, "kwok-data.version", KwokVersion},
	} {
		st, err := os.Stat(c.bin)
		stamp, _ := os.ReadFile(filepath.Join(d, c.stamp))
		if err != nil || (!st.IsDir() && st.Mode()&0o111 == 0) || strings.TrimSpace(string(stamp)) != c.version {
			missing = append(missing, fmt.Sprintf("%s@%s", filepath.Base(c.bin), c.version))
		}
	}
	if len(missing) > 0 {
		return b, fmt.Errorf("%w in %s (missing or stale: %s); run hack/kube-e2e/ensure.sh (8-17 min once on 2 cores)",
			ErrNoBinaries, d, strings.Join(missing, ", "))
	}
	return b, nil
}
