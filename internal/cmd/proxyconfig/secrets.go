package proxyconfig

import (
	"fmt"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/xdsctl/xdsctl/internal/admin"
	"github.com/xdsctl/xdsctl/internal/cmdutil"
	"github.com/xdsctl/xdsctl/pkg/configdump"
	"github.com/xdsctl/xdsctl/pkg/render"
)

// noSecrets is what istioctl prints when a proxy has no active or warming secret.
const noSecrets = "No active or warming secrets found.\n"

// SecretsOptions are the options of `proxy-config secrets`.
type SecretsOptions struct {
	viewOptions
	// Now is the clock VALID CERT is judged by.
	Now func() time.Time
}

// NewCmdSecrets returns `proxy-config secrets`.
func NewCmdSecrets(f *cmdutil.Factory, runF func(*SecretsOptions) error) *cobra.Command {
	opts := &SecretsOptions{Now: f.Now}
	cmd := &cobra.Command{
		Use:     "secrets {<pod>[.<namespace>] | -l <selector> | --admin <url> | --file <path>}",
		Aliases: []string{"secret", "s"},
		Short:   "Show the TLS secrets of an Envoy proxy",
		Long: `Show the TLS secrets (SDS) of an Envoy proxy: for each, whether it is a certificate chain or a CA,
whether it is active or warming, whether the certificate is valid now (neither expired nor not yet
valid), its serial number and validity dates. SPIFFE trust bundles add a TRUST DOMAIN column.
-o wide adds the certificate's identity, how many certificates the secret holds, the version and
static (bootstrap) and rejected (NACKed) secrets. Private keys are never printed unless --show-secrets.`,
		Example: `# secrets of a pod's sidecar
xdsctl proxy-config secrets productpage-v1-7bbd79f8fd-k6j79.default

# when the workload certificate expires, from a saved dump
xdsctl pc s -f dump.json -o wide`,
		Args: cobra.MaximumNArgs(1),
		RunE: viewRunE(f, opts, &opts.viewOptions, runF, opts.build),
	}
	addViewFlags(cmd, &opts.viewOptions, "short")
	return cmd
}

func (o *SecretsOptions) build(bodies map[string][]byte, w *configdump.Warnings) (*viewResult, error) {
	d, err := parseDump(bodies[admin.PathConfigDump], w)
	if err != nil {
		return nil, err
	}
	return secretsView(d, &o.Output, o.Now(), w, "")
}

func secretsView(d *configdump.Dump, out *cmdutil.OutputOptions, now time.Time, w *configdump.Warnings, prefix string) (*viewResult, error) {
	secrets, trustDomains, err := d.Secrets()
	if err != nil {
		return nil, err
	}
	res := &viewResult{}
	if !out.IsTable() {
		res.Items = normalizeAll(w, "envoy.extensions.transport_sockets.tls.v3.Secret", secrets, func(s *configdump.Secret) []byte {
			if s.First && s.State != configdump.StateError {
				return s.Raw.Get("secret").Raw()
			}
			return nil
		}, out.ShowSecrets)
		return res, err
	}
	wide := out.Format == "wide"
	if !wide {
		res.Notes = secretNotes(secrets, now)
	}
	if (!wide && !hasShortSecret(secrets)) || len(secrets) == 0 {
		res.Text = []byte(noSecrets)
		return res, nil
	}
	res.Table = secretTable(secrets, trustDomains, wide, now, prefix)
	return res, nil
}

// shortSecret tells whether istioctl lists the secret: dynamic ones, active or warming.
func shortSecret(s *configdump.Secret) bool {
	return s.State == configdump.StateActive || s.State == configdump.StateWarming
}

func hasShortSecret(secrets []configdump.Secret) bool {
	for i := range secrets {
		if shortSecret(&secrets[i]) {
			return true
		}
	}
	return false
}

// secretTable is istioctl's secrets table; wide adds identity, certificate count, version, last
// update, and the static and rejected secrets the short table leaves out.
func secretTable(secrets []configdump.Secret, trustDomains, wide bool, now time.Time, prefix string) *render.Table {
	t := &render.Table{Padding: 5, Headers: []string{"RESOURCE NAME", "TYPE", "STATUS", "VALID CERT", "SERIAL NUMBER", "NOT AFTER", "NOT BEFORE"}}
	if trustDomains || wide {
		t.Headers = append(t.Headers, "TRUST DOMAIN")
	}
	if wide {
		t.Headers = append(t.Headers, "IDENTITY", "CERTS", "VERSION", "LAST UPDATED")
	}
	for i := range secrets {
		s := &secrets[i]
		if !wide && !shortSecret(s) {
			continue
		}
		var serial, notAfter, notBefore, identity, certs string
		if c := s.Cert; c != nil {
			serial = c.SerialNumber
			notAfter = c.NotAfter.Format(time.RFC3339)
			notBefore = c.NotBefore.Format(time.RFC3339)
			identity = c.Identity()
			certs = strconv.Itoa(c.Certs)
		}
		status := s.State
		if wide {
			status = stateCell(s.Meta)
		}
		row := []string{prefix + s.Name, s.Type, status, strconv.FormatBool(s.Valid(now)), serial, notAfter, notBefore}
		if trustDomains || wide {
			row = append(row, s.TrustDomain)
		}
		if wide {
			for j := 1; j < len(row); j++ {
				row[j] = render.Dash(row[j])
			}
			row = append(row, render.Dash(identity), render.Dash(certs), render.Dash(s.VersionInfo), render.Dash(s.LastUpdated))
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}

// secretNotes says what the short secrets table leaves out, and which certificates it shows are
// not valid at now.
func secretNotes(secrets []configdump.Secret, now time.Time) []string {
	var static, rejected, nacked, invalid int
	for i := range secrets {
		s := &secrets[i]
		if shortSecret(s) && s.Cert != nil && !s.Valid(now) {
			invalid++
		}
		if !s.First {
			continue
		}
		switch {
		case s.State == configdump.StateStatic:
			static++
		case s.State == configdump.StateError:
			rejected++
		case s.Error != nil:
			nacked++
		}
	}
	var notes []string
	if invalid > 0 {
		notes = append(notes, fmt.Sprintf("%d %s not valid at %s (expired or not yet valid)", invalid, plural(invalid, "certificate is", "certificates are"), now.UTC().Format(time.RFC3339)))
	}
	if static > 0 {
		notes = append(notes, fmt.Sprintf("%d static %s not shown (from the bootstrap); see -o wide", static, plural(static, "secret is", "secrets are")))
	}
	return append(notes, rejectionNotes("secret", rejected, nacked)...)
}
