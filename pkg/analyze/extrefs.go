package analyze

import (
	"strconv"

	"github.com/xdsctl/xdsctl/internal/jsonscan"
)

// checkExtensionRefs follows the clusters extensions name besides routes and tcp_proxy: a gRPC
// service's envoy_grpc.cluster_name (ext_authz, access log services, SDS and xDS config
// sources, rate limit), an http_uri's cluster (JWT providers' JWKS, OAuth) and a tracer's
// collector_cluster.
func (a *analyzer) checkExtensionRefs() {
	if a.clusterNames == nil {
		return
	}
	for i := range a.listeners {
		l := &a.listeners[i]
		if l.Raw.Exists() && l.State != "DRAINING" {
			a.extensionRefs(Resource{Kind: KindListener, Name: l.Name}, "listener "+quote(l.Name), l.Raw, "")
		}
	}
	for i := range a.clusters {
		c := &a.clusters[i]
		if c.Raw.Exists() {
			a.extensionRefs(Resource{Kind: KindCluster, Name: c.Name}, "cluster "+quote(c.Name), c.Raw, "")
		}
	}
}

func (a *analyzer) extensionRefs(res Resource, owner string, v jsonscan.Value, path string) {
	ref := func(name, at string) {
		if name == "" {
			return
		}
		r := res
		r.Path = at
		a.reference(ExtensionClusterMissing, a.clusterNames, r, owner+" at "+at+" names", "cluster", name)
	}
	_ = v.Fields(func(k []byte, f jsonscan.Value) bool {
		at := string(k)
		if path != "" {
			at = path + "." + at
		}
		switch {
		case jsonscan.KeyIs(k, "envoy_grpc"):
			ref(f.Get("cluster_name").Str(), at)
		case jsonscan.KeyIs(k, "http_uri"):
			ref(f.Get("cluster").Str(), at)
		case jsonscan.KeyIs(k, "collector_cluster"):
			ref(f.Str(), at)
		case f.Kind() == jsonscan.Object:
			a.extensionRefs(res, owner, f, at)
		case f.Kind() == jsonscan.Array:
			_ = f.Items(func(i int, e jsonscan.Value) bool {
				if e.Kind() == jsonscan.Object {
					a.extensionRefs(res, owner, e, at+"["+strconv.Itoa(i)+"]")
				}
				return true
			})
		}
		return true
	})
}
