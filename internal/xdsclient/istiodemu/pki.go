package istiodemu

import (
	"crypto/tls"
	"crypto/x509"

	"github.com/xdsctl/xdsctl/internal/testpki"
)

// PKI is a throwaway CA with a serving certificate for 127.0.0.1 and istiod's service names, and a
// client certificate, for TLS tests.
type PKI struct {
	CAPEM              []byte
	Server             *tls.Config // serving config (no client certificate required)
	ClientCertPEM      []byte
	ClientKeyPEM       []byte
	ServerRequiresMTLS *tls.Config // serving config that requires a client certificate from the CA
}

// NewPKI makes a CA and certificates valid for a day.
func NewPKI() (*PKI, error) {
	ca, err := testpki.NewCA("istiodemu-ca")
	if err != nil {
		return nil, err
	}
	srvCert, srvKey, err := ca.Issue("istiod", []string{"localhost", "istiod.istio-system.svc"}, x509.ExtKeyUsageServerAuth)
	if err != nil {
		return nil, err
	}
	cliCert, cliKey, err := ca.Issue("xdsctl-test-client", nil, x509.ExtKeyUsageClientAuth)
	if err != nil {
		return nil, err
	}
	pair, err := tls.X509KeyPair(srvCert, srvKey)
	if err != nil {
		return nil, err
	}
	return &PKI{
		CAPEM:         ca.CertPEM,
		Server:        &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12},
		ClientCertPEM: cliCert, ClientKeyPEM: cliKey,
		ServerRequiresMTLS: &tls.Config{
			Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12,
			ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: ca.Pool(),
		},
	}, nil
}
