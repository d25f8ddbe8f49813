package configdump

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"math/big"
	"net/url"
	"strings"
	"time"

	"github.com/xdsctl/xdsctl/internal/jsonscan"
)

// Secret types, as istioctl names them: a certificate chain to present, or a CA to trust.
const (
	SecretCertChain = "Cert Chain"
	SecretCA        = "CA"
)

// Secret is one certificate of an SDS secret as the secrets table shows it. A secret with a
// SPIFFE validator (several trust domains) gives one Secret per trust domain bundle.
type Secret struct {
	Name string `json:"name"`
	// Type is SecretCertChain or SecretCA, from the parsed certificate (IsCA); empty when the
	// secret holds no certificate that could be read.
	Type string `json:"type,omitempty"`
	// TrustDomain is the SPIFFE trust domain of a bundle, or of a certificate's spiffe:// URI.
	TrustDomain string    `json:"trustDomain,omitempty"`
	Cert        *CertInfo `json:"cert,omitempty"`
	Meta
	// Raw is the dump entry the row came from; First marks the first row of each entry, so
	// JSON output lists each entry once.
	Raw   jsonscan.Value `json:"-"`
	First bool           `json:"-"`
}

// CertInfo is what the tables show of an X.509 certificate. No key material is kept.
type CertInfo struct {
	SerialNumber string    `json:"serialNumber"`
	NotBefore    time.Time `json:"notBefore"`
	NotAfter     time.Time `json:"notAfter"`
	Subject      string    `json:"subject,omitempty"`
	Issuer       string    `json:"issuer,omitempty"`
	URIs         []string  `json:"uris,omitempty"`
	DNSNames     []string  `json:"dnsNames,omitempty"`
	IsCA         bool      `json:"isCA"`
	// Certs is the number of certificates in the PEM data (a chain or a bundle); the fields
	// above describe the first, as istioctl does.
	Certs int `json:"certs"`
}

// Valid tells whether now lies strictly between the certificate's NotBefore and NotAfter, as
// istioctl's VALID CERT; a secret without a readable certificate is not valid.
func (s *Secret) Valid(now time.Time) bool {
	return s.Cert != nil && now.After(s.Cert.NotBefore) && now.Before(s.Cert.NotAfter)
}

// Identity is the certificate's SPIFFE id, else its first DNS name, else its subject.
func (c *CertInfo) Identity() string {
	for _, u := range c.URIs {
		if strings.HasPrefix(u, "spiffe://") {
			return u
		}
	}
	if len(c.URIs) > 0 {
		return c.URIs[0]
	}
	if len(c.DNSNames) > 0 {
		return c.DNSNames[0]
	}
	return c.Subject
}

// Secrets returns the dump's SDS secrets as istioctl lists them: warming ones first, then active
// ones, each in dump order. Static secrets (bootstrap) come last; istioctl leaves them out, so
// they are marked StateStatic for the caller to filter. HasTrustDomains tells whether any secret
// carries SPIFFE trust domain bundles (istioctl then adds a TRUST DOMAIN column).
func (d *Dump) Secrets() (secrets []Secret, hasTrustDomains bool, err error) {
	sec, ok := d.Section(SectionSecrets)
	if !ok {
		return nil, false, fmt.Errorf("%w: the dump has no secrets (SecretsConfigDump)", ErrNoSection)
	}
	var warming, active, static []Secret
	for _, list := range []struct {
		key   string
		state string
		out   *[]Secret
	}{
		{"dynamic_warming_secrets", StateWarming, &warming},
		{"dynamic_active_secrets", StateActive, &active},
		{"static_secrets", StateStatic, &static},
	} {
		if err := eachDynamic(sec.Get(list.key), "secret", list.state, func(it dynamicItem) {
			if !it.Res.Exists() {
				*list.out = append(*list.out, Secret{Name: it.Name, Meta: it.Meta, Raw: it.Entry, First: true})
				return
			}
			rows, td := d.readSecret(it.Name, it.Res)
			hasTrustDomains = hasTrustDomains || td
			for i := range rows {
				rows[i].Meta = it.Meta
				rows[i].Raw = it.Entry
				rows[i].First = i == 0
			}
			*list.out = append(*list.out, rows...)
		}); err != nil {
			return nil, false, fmt.Errorf("read secrets: %w", err)
		}
	}
	out := append(append(warming, active...), static...)
	if hasTrustDomains {
		for i := range out {
			if out[i].TrustDomain == "" && out[i].Cert != nil {
				out[i].TrustDomain = spiffeTrustDomain(out[i].Cert.URIs)
			}
		}
	}
	return out, hasTrustDomains, nil
}

// readSecret turns one envoy.extensions.transport_sockets.tls.v3.Secret into table rows.
func (d *Dump) readSecret(name string, v jsonscan.Value) (rows []Secret, trustDomains bool) {
	if n := v.Get("name").Str(); n != "" && name == "" {
		name = n
	}
	chain := v.Get("tls_certificate", "certificate_chain")
	ca := v.Get("validation_context", "trusted_ca")
	if data := d.dataSource(name, "certificate_chain", chain); len(data) > 0 {
		return []Secret{d.certRow(name, "certificate_chain", data)}, false
	}
	if data := d.dataSource(name, "trusted_ca", ca); len(data) > 0 {
		return []Secret{d.certRow(name, "trusted_ca", data)}, false
	}
	tds := v.Get("validation_context", "custom_validator_config", "typed_config", "trust_domains")
	_ = tds.Items(func(_ int, td jsonscan.Value) bool {
		trustDomains = true
		tdName := td.Get("name").Str()
		row := Secret{Name: name, TrustDomain: tdName}
		if data := d.dataSource(name, "trust_bundle", td.Get("trust_bundle")); len(data) > 0 {
			row = d.certRow(name, "trust bundle of "+tdName, data)
			row.TrustDomain = tdName
		}
		rows = append(rows, row)
		return true
	})
	if len(rows) == 0 {
		rows = []Secret{{Name: name}}
	}
	return rows, trustDomains
}

// dataSource reads the bytes of an inline config.core.v3.DataSource (inline_bytes is base64
// in JSON; inline_string is text). Other sources (a file name) hold no certificate to show.
func (d *Dump) dataSource(secret, field string, ds jsonscan.Value) []byte {
	var out []byte
	_ = ds.Fields(func(k []byte, f jsonscan.Value) bool {
		switch {
		case jsonscan.KeyIs(k, "inline_bytes"):
			s := f.Str()
			b, err := base64.StdEncoding.DecodeString(s)
			if err != nil {
				b, err = base64.URLEncoding.DecodeString(s)
			}
			if err != nil {
				d.Warnings.Add("secret-b64:"+secret+field, fmt.Sprintf("secret %q: %s.inline_bytes is not base64; its certificate is not shown", secret, field))
				return false
			}
			out = b
		case jsonscan.KeyIs(k, "inline_string"):
			out = []byte(f.Str())
		}
		return true
	})
	return out
}

// certRow parses the first certificate of PEM data; what cannot be parsed is warned about and
// shown as a row without certificate details, as istioctl shows it.
func (d *Dump) certRow(name, what string, data []byte) Secret {
	row := Secret{Name: name}
	info, err := parseCerts(data)
	if err != nil {
		d.Warnings.Add("secret-cert:"+name+what, fmt.Sprintf("secret %q: %s is not a readable certificate (%v)", name, what, err))
		return row
	}
	row.Cert = info
	row.Type = SecretCertChain
	if info.IsCA {
		row.Type = SecretCA
	}
	return row
}

// parseCerts reads the first certificate of PEM data and counts the certificates in it.
func parseCerts(data []byte) (*CertInfo, error) {
	block, rest := pem.Decode(data)
	if block == nil {
		return nil, fmt.Errorf("no PEM block")
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, err
	}
	info := &CertInfo{
		SerialNumber: serialHex(cert.SerialNumber),
		NotBefore:    cert.NotBefore.UTC(),
		NotAfter:     cert.NotAfter.UTC(),
		Subject:      cert.Subject.String(),
		Issuer:       cert.Issuer.String(),
		DNSNames:     cert.DNSNames,
		IsCA:         cert.IsCA,
		Certs:        1,
	}
	for _, u := range cert.URIs {
		info.URIs = append(info.URIs, u.String())
	}
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		if b.Type == "CERTIFICATE" {
			info.Certs++
		}
	}
	return info, nil
}

// serialHex writes a serial number as istioctl does: lower-case hex, zero-padded to 32 digits.
func serialHex(n *big.Int) string {
	if n == nil {
		return ""
	}
	return fmt.Sprintf("%032x", n)
}

func spiffeTrustDomain(uris []string) string {
	for _, s := range uris {
		u, err := url.Parse(s)
		if err == nil && u.Scheme == "spiffe" {
			return u.Host
		}
	}
	return ""
}
