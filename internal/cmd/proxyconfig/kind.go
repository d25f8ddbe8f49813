package proxyconfig

import (
	"github.com/xdsctl/xdsctl/pkg/configdump"
	"github.com/xdsctl/xdsctl/pkg/render"
)

// kind is the skeleton every resource view of proxy-config shares, written once as data: how
// its resources are read from a dump, filtered, normalized for -o json|yaml and put in a table,
// and which notes say what the short table leaves out. The per-kind command (pc clusters) and
// pc all (a section of its text) both run it.
type kind[T any] struct {
	singular string                                                // in notes: "cluster"
	typeName string                                                // the Envoy message, for -o json|yaml
	read     func(*configdump.Dump) ([]T, error)                   // every resource of the kind in the dump
	match    func(*T) bool                                         // the command's filters
	meta     func(*T) configdump.Meta                              // state, version, error of one resource
	raw      func(*T) []byte                                       // the resource's JSON in the dump
	table    func(sel []T, wide bool, prefix string) *render.Table // prefix: "cluster/" in pc all
}

// selected reads the kind's resources and keeps those the filters match.
func (k kind[T]) selected(d *configdump.Dump) ([]T, error) {
	all, err := k.read(d)
	if err != nil {
		return nil, err
	}
	var sel []T
	for i := range all {
		if k.match == nil || k.match(&all[i]) {
			sel = append(sel, all[i])
		}
	}
	return sel, nil
}

// notes says what the short table of sel leaves out (warming, draining, rejected resources).
func (k kind[T]) notes(sel []T) []string {
	return hiddenNote(k.singular, len(sel), func(i int) configdump.Meta { return k.meta(&sel[i]) })
}

// view is the per-kind command's result: the table (with notes unless -o wide), or the
// resources normalized one at a time for -o json|yaml.
func (k kind[T]) view(d *configdump.Dump, o *viewOptions, w *configdump.Warnings) (*viewResult, error) {
	sel, err := k.selected(d)
	if err != nil {
		return nil, err
	}
	res := &viewResult{}
	if !o.Output.IsTable() {
		res.Items = normalizeAll(w, k.typeName, sel, k.raw, o.Output.ShowSecrets)
		return res, nil
	}
	wide := o.Output.Format == "wide"
	res.Table = k.table(sel, wide, "")
	if !wide {
		res.Notes = k.notes(sel)
	}
	return res, nil
}

// section is the kind's part of pc all: its table with rows named by kind, and its notes.
func (k kind[T]) section(d *configdump.Dump, wide bool, prefix string) (*render.Table, []string, error) {
	sel, err := k.selected(d)
	if err != nil {
		return nil, nil, err
	}
	return k.table(sel, wide, prefix), k.notes(sel), nil
}

// clustersKind, listenersKind and routesKind are the kinds of the views of the same names.
func clustersKind(f configdump.ClusterFilter) kind[configdump.Cluster] {
	return kind[configdump.Cluster]{
		singular: "cluster", typeName: "envoy.config.cluster.v3.Cluster",
		read:  (*configdump.Dump).Clusters,
		match: f.Match,
		meta:  func(c *configdump.Cluster) configdump.Meta { return c.Meta },
		raw:   func(c *configdump.Cluster) []byte { return c.Raw.Raw() },
		table: clusterTable,
	}
}

func listenersKind(f configdump.ListenerFilter, verbose bool) kind[configdump.Listener] {
	return kind[configdump.Listener]{
		singular: "listener", typeName: "envoy.config.listener.v3.Listener",
		read:  (*configdump.Dump).Listeners,
		match: f.Match,
		meta:  func(l *configdump.Listener) configdump.Meta { return l.Meta },
		raw:   func(l *configdump.Listener) []byte { return l.Raw.Raw() },
		table: func(sel []configdump.Listener, wide bool, prefix string) *render.Table {
			return listenerTable(sel, verbose, wide, prefix)
		},
	}
}

func routesKind(f configdump.RouteFilter, verbose bool) kind[configdump.RouteConfig] {
	return kind[configdump.RouteConfig]{
		singular: "route configuration", typeName: "envoy.config.route.v3.RouteConfiguration",
		read:  (*configdump.Dump).Routes,
		match: f.Match,
		meta:  func(r *configdump.RouteConfig) configdump.Meta { return r.Meta },
		raw:   func(r *configdump.RouteConfig) []byte { return r.Raw.Raw() },
		table: func(sel []configdump.RouteConfig, wide bool, prefix string) *render.Table {
			return routeTable(sel, verbose, wide, prefix)
		},
	}
}
