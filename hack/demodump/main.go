// Command demodump writes the example proxy behind `xdsctl proxy-config <view> --demo`: the
// /config_dump?include_eds, /clusters?format=json and /server_info of an Istio 1.27 bookinfo productpage sidecar,
// assembled from the real Envoy dumps in testdata/dumps (listeners, endpoints, cluster and secret
// shapes, the WasmPlugin's ECDS config) around a bootstrap, routes and certificates of its own.
// internal/cmd/proxyconfig/demodata/PROVENANCE.txt says what comes from where.
//
//	go run ./hack/demodump            # from the repository root (or go generate ./internal/cmd/proxyconfig)
//	go run ./hack/demodump -new-certs # also make new certificates (hack/demodump/certs)
package main

import (
	"bytes"
	"encoding/base64"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

func main() {
	root := flag.String("root", ".", "the repository's root")
	out := flag.String("out", "internal/cmd/proxyconfig/demodata", "where to write config_dump.json and clusters.json (under -root when relative)")
	newCerts := flag.Bool("new-certs", false, "make new certificates instead of reusing hack/demodump/certs")
	flag.Parse()
	if err := run(*root, *out, *newCerts); err != nil {
		fmt.Fprintln(os.Stderr, "demodump:", err)
		os.Exit(1)
	}
}

// section reads the first config of a dump whose @type ends with kind.
func section(root, path, kind string) (*obj, error) {
	data, err := os.ReadFile(filepath.Join(root, "testdata", "dumps", path))
	if err != nil {
		return nil, err
	}
	v, err := decode(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	for _, c := range atList(v, "configs") {
		if t := atStr(c, "@type"); len(t) >= len(kind) && t[len(t)-len(kind):] == kind {
			return c.(*obj), nil
		}
	}
	return nil, fmt.Errorf("%s has no %s", path, kind)
}

func run(root, out string, newCerts bool) error {
	lds, err := section(root, "istio/authz__configdump.json", ".ListenersConfigDump")
	if err != nil {
		return err
	}
	eds, err := section(root, "istio/writer__envoy__configdump__endpoint__configdump.json", ".EndpointsConfigDump")
	if err != nil {
		return err
	}
	cds, err := section(root, "istio/describe__describe__http_config.json", ".ClustersConfigDump")
	if err != nil {
		return err
	}
	sds, err := section(root, "istio/writer__envoy__configdump__secret__istio__config_dump.json", ".SecretsConfigDump")
	if err != nil {
		return err
	}
	ecds, err := section(root, "istio/writer__envoy__configdump__ecds__configdump.json", ".EcdsConfigDump")
	if err != nil {
		return err
	}
	p, err := loadOrMakePKI(filepath.Join(root, "hack", "demodump", "certs"), spiffe(podNS, serviceAcct), newCerts)
	if err != nil {
		return err
	}

	boot, err := bootstrap(lds)
	if err != nil {
		return err
	}
	clusters := clustersSection(boot, atObj(cds, "dynamic_active_clusters", 0, "cluster"))
	endpoints, err := endpointsSection(eds, clusters)
	if err != nil {
		return err
	}
	wasm, err := wasmPlugin(ecds)
	if err != nil {
		return err
	}
	listeners, err := listenersSection(lds, boot, atStr(wasm, "ecds_filters", 0, "ecds_filter", "name"))
	if err != nil {
		return err
	}
	secrets, err := secretsSection(sds, p)
	if err != nil {
		return err
	}
	dump := o("configs", []any{
		o("@type", "type.googleapis.com/envoy.admin.v3.BootstrapConfigDump", "bootstrap", boot, "last_updated", ts(0)),
		clusters,
		wasm,
		endpoints,
		listeners,
		o("@type", "type.googleapis.com/envoy.admin.v3.ScopedRoutesConfigDump"),
		routesSection(listeners),
		secrets,
	})
	if !filepath.IsAbs(out) {
		out = filepath.Join(root, out)
	}
	if err := write(filepath.Join(out, "config_dump.json"), dump); err != nil {
		return err
	}
	if err := write(filepath.Join(out, "server_info.json"), serverInfo(atObj(boot, "node"))); err != nil {
		return err
	}
	return write(filepath.Join(out, "clusters.json"), adminClusters(endpoints))
}

func write(path string, v any) error {
	var b bytes.Buffer
	encode(&b, v, "")
	b.WriteByte('\n')
	return os.WriteFile(path, b.Bytes(), 0o644)
}

// wasmPlugin keeps one real WasmPlugin ECDS config (default.display-metadata) of Istio's test data.
func wasmPlugin(ecds *obj) (*obj, error) {
	for _, f := range atList(ecds, "ecds_filters") {
		if atStr(f, "ecds_filter", "name") == "default.display-metadata" {
			e := cloneObj(f.(*obj))
			e.set("version_info", xdsVersion(1)).set("last_updated", ts(1260))
			return o("@type", "type.googleapis.com/envoy.admin.v3.EcdsConfigDump", "ecds_filters", []any{e}), nil
		}
	}
	return nil, fmt.Errorf("the real ECDS dump has no default.display-metadata")
}

// secretsSection: the real Istio SDS dump's two secrets with the demo's certificates in them. The
// private key stays as Envoy prints it: "[redacted]".
func secretsSection(sds *obj, p *pki) (*obj, error) {
	var active []any
	for _, s := range atList(sds, "dynamic_active_secrets") {
		s := cloneObj(s.(*obj))
		switch atStr(s, "name") {
		case "default":
			atObj(s, "secret", "tls_certificate", "certificate_chain").set("inline_bytes", base64.StdEncoding.EncodeToString(p.chain))
			s.set("last_updated", ts(620))
		case "ROOTCA":
			atObj(s, "secret", "validation_context", "trusted_ca").set("inline_bytes", base64.StdEncoding.EncodeToString(p.root))
			s.set("last_updated", ts(618))
		default:
			continue
		}
		s.fields = append(s.fields[:1], append([]field{{"version_info", captured.Add(-time.Second).Format("2006-01-02 15:04:05.000000000 -0700 MST")}}, s.fields[1:]...)...)
		active = append(active, s)
	}
	if len(active) != 2 {
		return nil, fmt.Errorf("the real SDS dump has not the default and ROOTCA secrets")
	}
	return o("@type", "type.googleapis.com/envoy.admin.v3.SecretsConfigDump", "dynamic_active_secrets", active), nil
}
