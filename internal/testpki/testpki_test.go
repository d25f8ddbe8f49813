package testpki

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"testing"
)

func TestIssue(t *testing.T) {
	ca, err := NewCA("test-ca")
	if err != nil {
		t.Fatal(err)
	}
	srv, srvKey, err := ca.Issue("server", []string{"istiod.istio-system.svc"}, x509.ExtKeyUsageServerAuth)
	if err != nil {
		t.Fatal(err)
	}
	cli, _, err := ca.Issue("client", nil, x509.ExtKeyUsageClientAuth)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tls.X509KeyPair(srv, srvKey); err != nil {
		t.Fatalf("certificate and key do not match: %v", err)
	}
	parse := func(b []byte) *x509.Certificate {
		blk, _ := pem.Decode(b)
		c, err := x509.ParseCertificate(blk.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	s, c := parse(srv), parse(cli)
	for _, host := range []string{"127.0.0.1", "istiod.istio-system.svc"} {
		if _, err := s.Verify(x509.VerifyOptions{Roots: ca.Pool(), DNSName: host}); err != nil {
			t.Errorf("server certificate for %s: %v", host, err)
		}
	}
	if _, err := c.Verify(x509.VerifyOptions{Roots: ca.Pool(), KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
		t.Errorf("client certificate: %v", err)
	}
	if len(c.IPAddresses) != 0 || s.SerialNumber.Cmp(c.SerialNumber) == 0 {
		t.Errorf("client certificate has addresses %v, serials %v and %v", c.IPAddresses, s.SerialNumber, c.SerialNumber)
	}
}
