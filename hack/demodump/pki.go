package main

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net/url"
	"os"
	"path/filepath"
	"time"
)

// The demo's certificates: an Istio-style self-signed root (O=cluster.local) and the productpage
// workload certificate it signs (no subject, the SPIFFE ID as its only SAN), RSA 2048 as istiod's
// self-signed CA issues them. Real workload certificates live 24 hours; the demo's live ten years
// from fixed dates so that the example stays valid (see PROVENANCE.txt). Key generation is not
// reproducible, so the certificates are made once and kept in certs/ (public parts only: the
// private keys are thrown away, as the dump shows them redacted).
var (
	rootNotBefore = time.Date(2026, 1, 12, 7, 41, 3, 0, time.UTC)
	leafNotBefore = time.Date(2026, 11, 16, 8, 27, 51, 0, time.UTC)
	validity      = 10 * 365 * 24 * time.Hour
)

type pki struct {
	root, chain []byte // PEM: the root; the workload certificate followed by the root, as istiod sends it
}

func loadOrMakePKI(dir, spiffeID string, regenerate bool) (*pki, error) {
	rootPath, chainPath := filepath.Join(dir, "root-cert.pem"), filepath.Join(dir, "cert-chain.pem")
	if !regenerate {
		root, err1 := os.ReadFile(rootPath)
		chain, err2 := os.ReadFile(chainPath)
		if err := errors.Join(err1, err2); err == nil {
			return &pki{root: root, chain: chain}, nil
		} else if !errors.Is(err, os.ErrNotExist) {
			return nil, err
		}
	}
	p, err := makePKI(spiffeID)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	if err := os.WriteFile(rootPath, p.root, 0o644); err != nil {
		return nil, err
	}
	return p, os.WriteFile(chainPath, p.chain, 0o644)
}

func makePKI(spiffeID string) (*pki, error) {
	caKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	ca := &x509.Certificate{
		SerialNumber:          serial("0193a543fe2b0d9cd4847675394dfc54"),
		Subject:               pkix.Name{Organization: []string{"cluster.local"}},
		NotBefore:             rootNotBefore,
		NotAfter:              rootNotBefore.Add(validity),
		KeyUsage:              x509.KeyUsageCertSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, fmt.Errorf("root certificate: %w", err)
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, err
	}
	leafKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	id, err := url.Parse(spiffeID)
	if err != nil {
		return nil, err
	}
	leaf := &x509.Certificate{
		SerialNumber:          serial("5c2f0e8a91d4b3a6e7f80912ab34cd56"),
		NotBefore:             leafNotBefore,
		NotAfter:              leafNotBefore.Add(validity),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		BasicConstraintsValid: true,
		URIs:                  []*url.URL{id},
	}
	leafDER, err := x509.CreateCertificate(rand.Reader, leaf, caCert, &leafKey.PublicKey, caKey)
	if err != nil {
		return nil, fmt.Errorf("workload certificate: %w", err)
	}
	rootPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})
	chain := append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: leafDER}), rootPEM...)
	return &pki{root: rootPEM, chain: chain}, nil
}

func serial(hex string) *big.Int {
	n, ok := new(big.Int).SetString(hex, 16)
	if !ok {
		panic(hex)
	}
	return n
}
