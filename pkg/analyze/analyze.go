package analyze

import (
	"errors"
	"fmt"
	"time"

	"github.com/xdsctl/xdsctl/pkg/configdump"
	"github.com/xdsctl/xdsctl/pkg/stats"
)

// DefaultCertWarn is how long before a certificate expires it is reported (--cert-warn).
const DefaultCertWarn = 7 * 24 * time.Hour

// Input is what one proxy's configuration is read from.
type Input struct {
	// Dump is the proxy's /config_dump (with EDS when it was taken with ?include_eds), or a static
	// configuration read as one.
	Dump *configdump.Dump
	// Health is the proxy's /clusters?format=json, when the source has it.
	Health *configdump.Clusters
	// Stats are the proxy's counters (/stats, any form), when the source has them.
	Stats *stats.Set
	// Static tells that Dump was built from a static config (a bootstrap file, bare resources),
	// not written by Envoy: what it holds has not been accepted by an Envoy yet.
	Static bool
}

// Options tune the checks.
type Options struct {
	// Now is the time certificates are checked at.
	Now time.Time
	// CertWarn is how long before its expiry a certificate is reported; 0 means DefaultCertWarn.
	CertWarn time.Duration
	// Schema validates every resource against Envoy's API (pkg/validate). It is for configs Envoy
	// has not loaded yet (static files, a control plane's resources): what a running Envoy's dump
	// holds, Envoy accepted, and validating a big dump takes seconds.
	Schema bool
}

// Result is what Analyze found.
type Result struct {
	// Findings, sorted (see Sort).
	Findings []Finding
	// Notes say what could not be checked and why (a section the dump lacks), for stderr.
	Notes []string
}

// Analyze runs every check on one proxy's configuration. It fails only when the dump cannot be
// read at all; a missing section leaves its checks out with a note.
func Analyze(in Input, o Options) (*Result, error) {
	if in.Dump == nil {
		return nil, errors.New("no config dump to analyze")
	}
	if o.CertWarn == 0 {
		o.CertWarn = DefaultCertWarn
	}
	a := &analyzer{in: in, o: o, seen: map[findingKey]bool{}, pairs: map[tlsPair]Resource{}}
	if err := a.load(); err != nil {
		return nil, err
	}
	for _, check := range []func(){
		a.checkState,
		a.checkListeners,
		a.checkRouteConfigs,
		a.checkClusters,
		a.checkExtensionRefs,
		a.checkEndpoints,
		a.checkHealth,
		a.checkCerts,
		a.checkTrust,
		a.checkSchema,
		a.checkStats,
	} {
		check()
	}
	Sort(a.findings)
	return &Result{Findings: a.findings, Notes: a.notes}, nil
}

// analyzer holds one run: the dump's resources indexed by name, and what was found.
type analyzer struct {
	in Input
	o  Options

	listeners []configdump.Listener
	clusters  []configdump.Cluster
	routes    []configdump.RouteConfig
	secrets   []configdump.Secret
	eds       []configdump.LoadAssignment

	// names of each kind and the state they are in; nil when the dump lacks the section, so
	// references to that kind are not checked
	clusterNames, routeNames, secretNames, edsNames *names

	findings     []Finding
	notes        []string
	seen         map[findingKey]bool
	notedSecrets bool
	// bootstrap: the static config is a bootstrap (not bare resources)
	bootstrap bool
	// pairs are the (certificate chain, trust bundle) secrets used together, and where first
	pairs     map[tlsPair]Resource
	pairOrder []tlsPair
}

type findingKey struct {
	code string
	res  Resource
	msg  string
}

// add records a finding of code c, once.
func (a *analyzer) add(c Code, r Resource, format string, args ...any) {
	a.addHint(c, r, c.Hint, format, args...)
}

// addHint records a finding with a hint of its own.
func (a *analyzer) addHint(c Code, r Resource, hint, format string, args ...any) {
	msg := oneLine(fmt.Sprintf(format, args...))
	k := findingKey{c.ID, r, msg}
	if a.seen[k] {
		return
	}
	a.seen[k] = true
	a.findings = append(a.findings, Finding{Code: c.ID, Severity: c.Severity, Resource: r, Message: msg, Hint: hint})
}

func (a *analyzer) note(format string, args ...any) {
	a.notes = append(a.notes, fmt.Sprintf(format, args...))
}

// load reads the sections the checks use. A missing section is not an error.
func (a *analyzer) load() error {
	d := a.in.Dump
	var err error
	missing := func(err error) bool { return errors.Is(err, configdump.ErrNoSection) }
	if a.listeners, err = d.Listeners(); err != nil && !missing(err) {
		return err
	}
	if a.clusters, err = d.Clusters(); err == nil {
		a.clusterNames = newNames()
		for i := range a.clusters {
			a.clusterNames.add(a.clusters[i].Name, a.clusters[i].Meta)
		}
	} else if !missing(err) {
		return err
	}
	if a.routes, err = d.Routes(); err == nil {
		a.routeNames = newNames()
		for i := range a.routes {
			a.routeNames.add(a.routes[i].Name, a.routes[i].Meta)
		}
	} else if !missing(err) {
		return err
	}
	if a.secrets, _, err = d.Secrets(); err == nil {
		a.secretNames = newNames()
		for i := range a.secrets {
			a.secretNames.add(a.secrets[i].Name, a.secrets[i].Meta)
		}
	} else if !missing(err) {
		return err
	}
	if a.eds, err = d.EDS(); err == nil {
		a.edsNames = newNames()
		for i := range a.eds {
			a.edsNames.add(a.eds[i].Cluster, a.eds[i].Meta)
		}
	} else if !missing(err) {
		return err
	}
	if a.in.Static {
		a.staticScope()
	}
	return nil
}

// staticScope leaves out the references a static config cannot settle. Route configurations
// named by rds and endpoints of EDS clusters come from a server, never from the file; clusters do
// too when the bootstrap has dynamic CDS; and a file of bare resources says nothing of the kinds it
// does not hold, nor of the bootstrap's static secrets.
func (a *analyzer) staticScope() {
	a.note("a static config: what it would get from a server (route configurations by rds, EDS endpoints, SDS secrets, clusters with dynamic CDS) is not checked")
	a.routeNames, a.edsNames = nil, nil
	boot, err := a.in.Dump.Bootstrap()
	a.bootstrap = err == nil
	if !a.bootstrap {
		if len(a.clusters) == 0 {
			a.clusterNames = nil
		}
		a.secretNames = nil
		return
	}
	dyn := boot.Raw.Get("bootstrap", "dynamic_resources")
	if dyn.Get("cds_config").Exists() || dyn.Get("cds_resources_locator").Exists() {
		a.clusterNames = nil
	}
	if a.secretNames == nil {
		a.secretNames = newNames() // static secrets are named in the bootstrap or not at all
	}
}

// target is what the dump says of a resource a reference names.
type target struct {
	ok       bool // active or static: in use
	warming  bool
	rejected *configdump.ErrorState // rejected on first arrival, never had
}

// names indexes the resources of one kind by name.
type names struct{ m map[string]*target }

func newNames() *names { return &names{m: map[string]*target{}} }

func (n *names) add(name string, m configdump.Meta) {
	t := n.m[name]
	if t == nil {
		t = &target{}
		n.m[name] = t
	}
	switch m.State {
	case configdump.StateActive, configdump.StateStatic:
		t.ok = true
	case configdump.StateWarming:
		t.warming = true
	case configdump.StateError:
		t.rejected = m.Error
	}
}

// get returns what the dump says of name; nil when it does not have it.
func (n *names) get(name string) *target { return n.m[name] }

// reference reports a reference from r to a resource of kind (what: "cluster", "route
// configuration", ...) named name, when the dump lacks it, has only a rejected update of it, or
// has it warming. subject starts the message ("route 2 of virtual host \"x\" sends to").
func (a *analyzer) reference(c Code, idx *names, r Resource, subject, what, name string) {
	if idx == nil {
		return
	}
	t := idx.get(name)
	switch {
	case t != nil && t.ok:
	case t != nil && t.warming:
		a.add(ReferenceWarming, r, "%s %s %q, which is still warming", subject, what, name)
	case t != nil && t.rejected != nil:
		a.add(c, r, "%s %s %q, which Envoy rejected: %s", subject, what, name, t.rejected.Details)
	default:
		a.add(c, r, "%s %s %q, which the proxy does not have", subject, what, name)
	}
}
