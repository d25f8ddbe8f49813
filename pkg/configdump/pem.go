package configdump

import (
	"bytes"

	"github.com/xdsctl/xdsctl/internal/jsonscan"
)

// SecretPEM returns the PEM data a secret of Secrets (any of its rows) holds inline: its
// certificate chain, and the CA certificates it trusts (trusted_ca and SPIFFE trust bundles,
// joined). Data in files is not read; nil when there is none.
func SecretPEM(s *Secret) (chain, trusted []byte) {
	v := s.Raw.Get("secret")
	d := &Dump{}
	chain = d.dataSource(s.Name, "certificate_chain", v.Get("tls_certificate", "certificate_chain"))
	var b bytes.Buffer
	b.Write(d.dataSource(s.Name, "trusted_ca", v.Get("validation_context", "trusted_ca")))
	_ = v.Get("validation_context", "custom_validator_config", "typed_config", "trust_domains").Items(func(_ int, td jsonscan.Value) bool {
		b.WriteByte('\n')
		b.Write(d.dataSource(s.Name, "trust_bundle", td.Get("trust_bundle")))
		return true
	})
	if len(bytes.TrimSpace(b.Bytes())) > 0 {
		trusted = b.Bytes()
	}
	return chain, trusted
}
