package analyze

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"time"

	"github.com/xdsctl/xdsctl/internal/jsonscan"
	"github.com/xdsctl/xdsctl/pkg/configdump"
)

// checkCerts reports certificates (of secrets and trust bundles) that are expired, not valid yet,
// or expire within Options.CertWarn of Options.Now.
func (a *analyzer) checkCerts() {
	now := a.o.Now
	for i := range a.secrets {
		s := &a.secrets[i]
		if s.Cert == nil || s.State == configdump.StateDraining {
			continue
		}
		res := Resource{Kind: KindSecret, Name: s.Name}
		what := "certificate"
		if s.Type == configdump.SecretCA {
			what = "CA certificate"
		}
		if s.TrustDomain != "" && s.Type == configdump.SecretCA {
			res.Path = "trust_domain[" + s.TrustDomain + "]"
			what = "CA certificate of trust domain " + quote(s.TrustDomain)
		}
		id := s.Cert.Identity()
		if id != "" {
			id = " (" + id + ")"
		}
		c := s.Cert
		switch {
		case now.Before(c.NotBefore):
			a.add(CertNotYetValid, res, "%s%s of secret %q is not valid until %s, %s from now", what, id, s.Name, c.NotBefore.Format(time.RFC3339), span(c.NotBefore.Sub(now)))
		case !now.Before(c.NotAfter):
			a.add(CertExpired, res, "%s%s of secret %q expired at %s, %s ago", what, id, s.Name, c.NotAfter.Format(time.RFC3339), span(now.Sub(c.NotAfter)))
		case c.NotAfter.Sub(now) < warnWindow(c, a.o.CertWarn):
			a.add(CertExpiring, res, "%s%s of secret %q expires at %s, in %s", what, id, s.Name, c.NotAfter.Format(time.RFC3339), span(c.NotAfter.Sub(now)))
		}
	}
}

// warnWindow is how long before its expiry a certificate is reported: window, or for a
// short-lived certificate a quarter of its lifetime. Istio's 24-hour workload certificates are
// renewed when about half their life is left, so within 7 days of expiry is their normal state;
// with a quarter left, renewal has failed.
func warnWindow(c *configdump.CertInfo, window time.Duration) time.Duration {
	return min(window, c.NotAfter.Sub(c.NotBefore)/4)
}

// span writes a duration as people say it: "3d4h", "5h12m", "42s".
func span(d time.Duration) string {
	switch {
	case d >= 48*time.Hour:
		return fmt.Sprintf("%dd", int(d/(24*time.Hour)))
	case d >= time.Hour:
		return fmt.Sprintf("%dh%dm", int(d/time.Hour), int(d%time.Hour/time.Minute))
	case d >= time.Minute:
		return fmt.Sprintf("%dm", int(d/time.Minute))
	}
	return fmt.Sprintf("%ds", int(d/time.Second))
}

// tlsPair is a certificate chain presented and a trust bundle validated with in one TLS context.
type tlsPair struct{ chain, ca string }

// collectPairs records, for each TLS context under ts, the SDS secret of its certificate chain
// and the one of its validation context, for checkTrust.
func (a *analyzer) collectPairs(res Resource, ts jsonscan.Value) {
	_ = ts.Fields(func(k []byte, f jsonscan.Value) bool {
		if jsonscan.KeyIs(k, "common_tls_context") {
			ca := f.Get("validation_context_sds_secret_config", "name").Str()
			if ca == "" {
				ca = f.Get("combined_validation_context", "validation_context_sds_secret_config", "name").Str()
			}
			if ca != "" {
				_ = f.Get("tls_certificate_sds_secret_configs").Items(func(_ int, s jsonscan.Value) bool {
					if n := s.Get("name").Str(); n != "" {
						p := tlsPair{n, ca}
						if _, ok := a.pairs[p]; !ok {
							a.pairs[p] = res
							a.pairOrder = append(a.pairOrder, p)
						}
					}
					return true
				})
			}
			return true
		}
		if f.Kind() == jsonscan.Object {
			a.collectPairs(res, f)
		}
		return true
	})
}

// checkTrust reports TLS contexts whose trust bundle does not verify the mesh certificate (one
// with a SPIFFE ID) they present: in a mesh peers trust the same bundle, so they refuse the
// certificate. Outside a mesh a client's certificate and the CA it trusts for servers may differ. Only "signed by unknown
// authority" is reported; expiry is XDS0301's, and other verification errors are not told apart
// from what Envoy accepts.
func (a *analyzer) checkTrust() {
	byName := map[string]*configdump.Secret{}
	for i := range a.secrets {
		s := &a.secrets[i]
		if s.First && (s.State == configdump.StateActive || s.State == configdump.StateStatic) {
			if _, ok := byName[s.Name]; !ok {
				byName[s.Name] = s
			}
		}
	}
	for _, p := range a.pairOrder {
		cs, ts := byName[p.chain], byName[p.ca]
		if cs == nil || ts == nil {
			continue
		}
		chainPEM, _ := configdump.SecretPEM(cs)
		_, trustPEM := configdump.SecretPEM(ts)
		chain, roots := parsePEMCerts(chainPEM), parsePEMCerts(trustPEM)
		if len(chain) == 0 || len(roots) == 0 {
			continue
		}
		pool, inter := x509.NewCertPool(), x509.NewCertPool()
		for _, c := range roots {
			pool.AddCert(c)
		}
		for _, c := range chain[1:] {
			inter.AddCert(c)
		}
		leaf := chain[0]
		if !hasSPIFFE(leaf) {
			continue // outside a mesh, the CA a client trusts need not be the one that signed its own certificate
		}
		_, err := leaf.Verify(x509.VerifyOptions{
			Roots: pool, Intermediates: inter,
			CurrentTime: leaf.NotBefore.Add(leaf.NotAfter.Sub(leaf.NotBefore) / 2),
			KeyUsages:   []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
		})
		var ua x509.UnknownAuthorityError
		if errors.As(err, &ua) {
			user := a.pairs[p]
			a.add(TrustMismatch, Resource{Kind: KindSecret, Name: p.chain},
				"trust bundle of secret %q does not verify the certificate chain of secret %q, presented together by %s: %v", p.ca, p.chain, user.Kind+"/"+user.Name, err)
		}
	}
}

// parsePEMCerts reads every certificate of PEM data; what cannot be read is left out.
func parsePEMCerts(data []byte) []*x509.Certificate {
	var out []*x509.Certificate
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			return out
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		if c, err := x509.ParseCertificate(b.Bytes); err == nil {
			out = append(out, c)
		}
	}
}

func hasSPIFFE(c *x509.Certificate) bool {
	for _, u := range c.URIs {
		if u.Scheme == "spiffe" {
			return true
		}
	}
	return false
}
