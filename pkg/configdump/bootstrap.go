package configdump

import (
	"errors"
	"fmt"
	"strings"

	"github.com/xdsctl/xdsctl/internal/jsonscan"
)

// Bootstrap is what the bootstrap view shows of a dump's BootstrapConfigDump: who the proxy is
// and which Istio and Envoy versions it runs.
type Bootstrap struct {
	NodeID      string   `json:"nodeId,omitempty"`
	NodeCluster string   `json:"nodeCluster,omitempty"`
	Locality    Locality `json:"locality"`
	// IstioVersion and IstioProxySHA come from the node metadata (ISTIO_VERSION, ISTIO_PROXY_SHA).
	IstioVersion  string `json:"istioVersion,omitempty"`
	IstioProxySHA string `json:"istioProxySha,omitempty"`
	// EnvoyVersion is written as istioctl writes it: major.minor.patch[-label][/status][/type][/ssl].
	EnvoyVersion string `json:"envoyVersion"`
	UserAgent    string `json:"userAgent,omitempty"`
	AdminAddress string `json:"adminAddress,omitempty"`
	// XDSCluster is the cluster the proxy's ADS stream goes to, when it uses ADS over Envoy gRPC.
	XDSCluster  string `json:"xdsCluster,omitempty"`
	LastUpdated string `json:"lastUpdated,omitempty"`
	// Static says what the static config file the dump was built from held (Dump.Static).
	Static string `json:"static,omitempty"`
	// Raw is the whole BootstrapConfigDump section.
	Raw jsonscan.Value `json:"-"`
}

// Bootstrap reads the dump's bootstrap section.
func (d *Dump) Bootstrap() (*Bootstrap, error) {
	sec, ok := d.Section(SectionBootstrap)
	if !ok && d.Static != "" {
		return nil, &staticNoSection{fmt.Sprintf("%s: the file holds %s, and no bootstrap", ErrNoSection, d.Static)}
	}
	if !ok {
		return nil, fmt.Errorf("%w: the dump has no bootstrap (BootstrapConfigDump)", ErrNoSection)
	}
	b := &Bootstrap{Raw: sec, LastUpdated: sec.Get("last_updated").Str()}
	boot := sec.Get("bootstrap")
	node := boot.Get("node")
	b.NodeID = node.Get("id").Str()
	b.NodeCluster = node.Get("cluster").Str()
	b.Locality = readLocality(node.Get("locality"))
	b.UserAgent = node.Get("user_agent_name").Str()
	md := node.Get("metadata")
	b.IstioVersion = md.Get("ISTIO_VERSION").Str()
	b.IstioProxySHA = md.Get("ISTIO_PROXY_SHA").Str()
	if p := strings.Split(b.IstioProxySHA, ":"); len(p) > 1 {
		b.IstioProxySHA = p[1]
	}
	b.EnvoyVersion = envoyVersion(node)
	if b.Static = d.Static; b.Static != "" && !node.Get("user_agent_build_version").Exists() {
		b.EnvoyVersion = "-" // a file names no Envoy version: 0.0.0 would look like one
	}
	a := readAddress(boot.Get("admin", "address"))
	if a.isSocket() || a.Pipe != "" {
		b.AdminAddress = a.String()
	}
	_ = boot.Get("dynamic_resources", "ads_config", "grpc_services").Items(func(_ int, g jsonscan.Value) bool {
		b.XDSCluster = g.Get("envoy_grpc", "cluster_name").Str()
		return b.XDSCluster == ""
	})
	return b, nil
}

// envoyVersion writes node.user_agent_build_version as istioctl does. A node without it (Envoy
// before 1.12 sent only the deprecated build_version string "<sha>/<version>/<status>/<type>/<ssl>")
// falls back to that string without its sha; with neither it is 0.0.0, as istioctl prints.
func envoyVersion(node jsonscan.Value) string {
	ua := node.Get("user_agent_build_version")
	if !ua.Exists() {
		bv := node.Get("build_version").Str()
		if bv == "" {
			bv = node.Get("hidden_envoy_deprecated_build_version").Str()
		}
		if i := strings.IndexByte(bv, '/'); i >= 0 {
			return bv[i+1:]
		}
	}
	v := ua.Get("version")
	num := func(k string) int64 {
		n, _ := v.Get(k).Int()
		return n
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "%d.%d.%d", num("major_number"), num("minor_number"), num("patch"))
	md := ua.Get("metadata")
	for _, kv := range []struct{ key, sep string }{{"build.label", "-"}, {"revision.status", "/"}, {"build.type", "/"}, {"ssl.version", "/"}} {
		if f := md.Get(kv.key); f.Exists() {
			sb.WriteString(kv.sep + f.Str())
		}
	}
	return sb.String()
}

// ErrStaticFile is matched (errors.Is) by the errors of a view on a static config file that lacks
// what the view shows: a saved dump's mask is not why.
var ErrStaticFile = errors.New("static config file")

// staticNoSection is ErrNoSection for a static config file.
type staticNoSection struct{ msg string }

func (e *staticNoSection) Error() string { return e.msg }
func (e *staticNoSection) Is(target error) bool {
	return target == ErrNoSection || target == ErrStaticFile
}
