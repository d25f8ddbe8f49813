package kubetest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"

	"github.com/xdsctl/xdsctl/internal/testpki"
)

// pki is the harness's certificates: one CA, one serving certificate for 127.0.0.1 (shared by
// the API server and kwok's kubelet server) and the service-account signing key.
type pki struct {
	dir                  string
	caCert, caPEM        string
	servingCert, servKey string
	saKey, saPub         string
}

func writePKI(dir string) (*pki, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	p := &pki{
		dir:    dir,
		caCert: filepath.Join(dir, "ca.crt"), servingCert: filepath.Join(dir, "serving.crt"),
		servKey: filepath.Join(dir, "serving.key"), saKey: filepath.Join(dir, "sa.key"), saPub: filepath.Join(dir, "sa.pub"),
	}
	ca, err := testpki.NewCA("xdsctl-e2e-ca")
	if err != nil {
		return nil, err
	}
	srvCert, srvKey, err := ca.Issue("127.0.0.1", []string{"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc"},
		x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth)
	if err != nil {
		return nil, err
	}
	saKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	saKeyPEM, err := testpki.KeyPEM(saKey)
	if err != nil {
		return nil, err
	}
	p.caPEM = string(ca.CertPEM)
	files := map[string][]byte{p.caCert: ca.CertPEM, p.servingCert: srvCert, p.servKey: srvKey, p.saKey: saKeyPEM}
	pub, err := x509.MarshalPKIXPublicKey(&saKey.PublicKey)
	if err != nil {
		return nil, err
	}
	files[p.saPub] = pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub})
	for path, data := range files {
		if err := os.WriteFile(path, data, 0o600); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// pool returns a certificate pool holding the harness CA.
func (p *pki) pool() *x509.CertPool {
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM([]byte(p.caPEM))
	return pool
}
