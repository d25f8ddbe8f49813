package analyze

import (
	"fmt"
	"time"

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
		case c.NotAfter.Sub(now) < a.o.CertWarn:
			a.add(CertExpiring, res, "%s%s of secret %q expires at %s, in %s", what, id, s.Name, c.NotAfter.Format(time.RFC3339), span(c.NotAfter.Sub(now)))
		}
	}
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
