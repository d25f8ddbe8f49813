package analyze

import (
	"fmt"
	"math/big"
	"strings"

	"github.com/xdsctl/xdsctl/internal/jsonscan"
	"github.com/xdsctl/xdsctl/pkg/configdump"
)

// maxRingSize is the largest ring_hash ring Envoy accepts (RingHashLbConfig's validation rules).
const maxRingSize = 8388608

// Envoy's defaults for the ring_hash ring sizes and the maglev table.
const (
	defaultMinRing = 1024
	defaultMaxRing = maxRingSize
)

// checkClusters follows each cluster's secret references and checks its documented limits.
func (a *analyzer) checkClusters() {
	for i := range a.clusters {
		c := &a.clusters[i]
		if !c.Raw.Exists() {
			continue
		}
		res := Resource{Kind: KindCluster, Name: c.Name}
		subject := fmt.Sprintf("the transport socket of cluster %q", c.Name)
		a.secretRefs(res, subject, c.Raw.Get("transport_socket"))
		a.secretRefs(res, subject, c.Raw.Get("tls_context")) // v2
		_ = c.Raw.Get("transport_socket_matches").Items(func(_ int, m jsonscan.Value) bool {
			a.secretRefs(Resource{Kind: KindCluster, Name: c.Name, Path: "transport_socket_matches" + bracket(m.Get("name").Str())},
				fmt.Sprintf("transport socket match %q of cluster %q", m.Get("name").Str(), c.Name), m.Get("transport_socket"))
			return true
		})
		a.checkLimits(c)
		if ct := c.Raw.Get("cluster_type"); strings.HasSuffix(ct.Get("typed_config", "@type").Str(), ".aggregate.v3.ClusterConfig") {
			_ = ct.Get("typed_config", "clusters").Items(func(_ int, n jsonscan.Value) bool {
				a.reference(AggregateClusterMissing, a.clusterNames, res, fmt.Sprintf("aggregate cluster %q names", c.Name), "cluster", n.Str())
				return true
			})
		}
	}
}

// secretRefs reports the SDS secrets a transport socket (or v2 tls_context) names that the proxy
// does not have. It looks through wrapping transport sockets (Istio's, tap, internal_upstream).
func (a *analyzer) secretRefs(res Resource, subject string, ts jsonscan.Value) {
	if !ts.Exists() {
		return
	}
	if a.secretNames == nil {
		if !a.notedSecrets && !a.in.Static {
			a.notedSecrets = true
			a.note("the dump has no secrets section: the SDS secrets transport sockets name are not checked")
		}
		return
	}
	a.collectPairs(res, ts)
	walkSecretConfigs(ts, func(name string, fromServer bool) {
		if a.in.Static && fromServer {
			return // sent by an SDS server, not in the file
		}
		what := "secret"
		if a.in.Static {
			what = "static secret"
		}
		a.reference(SecretMissing, a.secretNames, res, subject+" uses", what, name)
	})
}

// walkSecretConfigs calls fn with the name of every SDS secret config under v, and whether it has
// an sds_config (a secret from a server; without one it names a static secret of the bootstrap).
func walkSecretConfigs(v jsonscan.Value, fn func(name string, fromServer bool)) {
	_ = v.Fields(func(k []byte, f jsonscan.Value) bool {
		switch {
		case jsonscan.KeyIs(k, "tls_certificate_sds_secret_configs"):
			_ = f.Items(func(_ int, s jsonscan.Value) bool {
				if n := s.Get("name").Str(); n != "" {
					fn(n, s.Get("sds_config").Exists())
				}
				return true
			})
		case jsonscan.KeyIs(k, "validation_context_sds_secret_config"), jsonscan.KeyIs(k, "session_ticket_keys_sds_secret_config"):
			if n := f.Get("name").Str(); n != "" {
				fn(n, f.Get("sds_config").Exists())
			}
		case f.Kind() == jsonscan.Object:
			walkSecretConfigs(f, fn)
		case f.Kind() == jsonscan.Array:
			_ = f.Items(func(_ int, e jsonscan.Value) bool {
				if e.Kind() == jsonscan.Object {
					walkSecretConfigs(e, fn)
				}
				return true
			})
		}
		return true
	})
}

// checkLimits reports load balancer settings Envoy rejects although they look well-formed.
func (a *analyzer) checkLimits(c *configdump.Cluster) {
	res := Resource{Kind: KindCluster, Name: c.Name}
	ring := func(cfg jsonscan.Value, where string) {
		// sizes above Envoy's maximum break a validation rule: pkg/validate reports them (XDS0701)
		minRing, hasMin := uint64Value(cfg.Get("minimum_ring_size"))
		maxRing, hasMax := uint64Value(cfg.Get("maximum_ring_size"))
		if !hasMin {
			minRing = defaultMinRing
		}
		if !hasMax {
			maxRing = defaultMaxRing
		}
		if minRing > maxRing && minRing <= maxRingSize && maxRing <= maxRingSize {
			a.add(RingSizeMinAboveMax, res, "%s minimum_ring_size %d of cluster %q is above its maximum_ring_size %d", where, minRing, c.Name, maxRing)
		}
	}
	maglev := func(cfg jsonscan.Value, where string) {
		if n, ok := uint64Value(cfg.Get("table_size")); ok && !big.NewInt(0).SetUint64(n).ProbablyPrime(20) {
			a.add(MaglevTableSize, res, "%s table_size %d of cluster %q is not a prime number", where, n, c.Name)
		}
	}
	if v := c.Raw.Get("ring_hash_lb_config"); v.Exists() {
		ring(v, "ring_hash_lb_config")
	}
	if v := c.Raw.Get("maglev_lb_config"); v.Exists() {
		maglev(v, "maglev_lb_config")
	}
	_ = c.Raw.Get("load_balancing_policy", "policies").Items(func(_ int, p jsonscan.Value) bool {
		tc := p.Get("typed_extension_config", "typed_config")
		t := tc.Get("@type").Str()
		switch {
		case strings.HasSuffix(t, ".ring_hash.v3.RingHash"):
			ring(tc, "the ring_hash policy's")
		case strings.HasSuffix(t, ".maglev.v3.Maglev"):
			maglev(tc, "the maglev policy's")
		}
		return true
	})
}

// uint64Value reads a UInt64Value written as a number, a quoted number or {"value": N}.
func uint64Value(v jsonscan.Value) (uint64, bool) {
	if v.Kind() == jsonscan.Object {
		v = v.Get("value")
	}
	n, ok := v.Int()
	if !ok || n < 0 {
		return 0, false
	}
	return uint64(n), true
}
