package analyze

import (
	"bytes"
	"strconv"
	"strings"

	"github.com/xdsctl/xdsctl/internal/jsonscan"
)

// refKeys are the fields through which extensions name a cluster, as written in snake_case and
// camelCase: a resource that holds none of them is not walked.
var refKeys = [][]byte{
	[]byte("envoy_grpc"), []byte("envoyGrpc"), []byte("http_uri"), []byte("httpUri"),
	[]byte("collector_cluster"), []byte("collectorCluster"),
}

// checkExtensionRefs follows the clusters extensions name besides routes and tcp_proxy: a gRPC
// service's envoy_grpc.cluster_name (ext_authz, access log services, SDS and xDS config
// sources, rate limit), an http_uri's cluster (JWT providers' JWKS, OAuth) and a tracer's
// collector_cluster.
func (a *analyzer) checkExtensionRefs() {
	if a.clusterNames == nil {
		return
	}
	w := refWalker{a: a}
	for i := range a.listeners {
		l := &a.listeners[i]
		if l.Raw.Exists() && l.State != "DRAINING" {
			w.walkResource(Resource{Kind: KindListener, Name: l.Name}, "listener "+quote(l.Name), l.Raw)
		}
	}
	for i := range a.clusters {
		c := &a.clusters[i]
		if c.Raw.Exists() {
			w.walkResource(Resource{Kind: KindCluster, Name: c.Name}, "cluster "+quote(c.Name), c.Raw)
		}
	}
}

// refWalker walks a resource's JSON keeping the path to where it is as a stack of segments (keys
// of the document, array indices), written out only when a reference is found.
type refWalker struct {
	a     *analyzer
	res   Resource
	owner string
	path  []segment
}

type segment struct {
	key   []byte
	index int // -1 for a key
}

func (w *refWalker) walkResource(res Resource, owner string, v jsonscan.Value) {
	raw := v.Raw()
	found := false
	for _, k := range refKeys {
		if bytes.Contains(raw, k) {
			found = true
			break
		}
	}
	if !found {
		return
	}
	w.res, w.owner, w.path = res, owner, w.path[:0]
	w.walk(v)
}

func (w *refWalker) at() string {
	var b strings.Builder
	for _, s := range w.path {
		if s.index >= 0 {
			b.WriteString("[" + strconv.Itoa(s.index) + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.Write(s.key)
	}
	return b.String()
}

func (w *refWalker) ref(name string) {
	if t := w.a.clusterNames.get(name); name == "" || t != nil && t.ok {
		return // the usual case, told before any string is made
	}
	r := w.res
	r.Path = w.at()
	w.a.reference(ExtensionClusterMissing, w.a.clusterNames, r, w.owner+" at "+r.Path+" names", "cluster", name)
}

func (w *refWalker) walk(v jsonscan.Value) {
	_ = v.Fields(func(k []byte, f jsonscan.Value) bool {
		w.path = append(w.path, segment{key: k, index: -1})
		switch {
		case jsonscan.KeyIs(k, "envoy_grpc"):
			w.ref(f.Get("cluster_name").Str())
		case jsonscan.KeyIs(k, "http_uri"):
			w.ref(f.Get("cluster").Str())
		case jsonscan.KeyIs(k, "collector_cluster"):
			w.ref(f.Str())
		case f.Kind() == jsonscan.Object:
			w.walk(f)
		case f.Kind() == jsonscan.Array:
			_ = f.Items(func(i int, e jsonscan.Value) bool {
				if e.Kind() == jsonscan.Object {
					w.path = append(w.path, segment{index: i})
					w.walk(e)
					w.path = w.path[:len(w.path)-1]
				}
				return true
			})
		}
		w.path = w.path[:len(w.path)-1]
		return true
	})
}
