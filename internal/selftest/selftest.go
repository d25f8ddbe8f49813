// Package selftest is `xdsctl selftest`: the bundled control plane, two emulated Envoy sidecars
// and a real gRPC-Go proxyless xDS client on loopback, driven through good config, config each
// kind of client rejects, and a proxy that holds its ACKs. Each step shows the proxies' status
// and config and checks what must be true, with a PASS or FAIL line per check.
package selftest

import (
	"bytes"
	"context"
	_ "embed"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"time"

	clusterv3 "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	endpointv3 "github.com/envoyproxy/go-control-plane/envoy/config/endpoint/v3"
	statusv3 "github.com/envoyproxy/go-control-plane/envoy/service/status/v3"
	"github.com/envoyproxy/go-control-plane/pkg/resource/v3"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/durationpb"

	cp "github.com/xdsctl/xdsctl/internal/controlplane"
	"github.com/xdsctl/xdsctl/internal/controlplane/grpcpeer"
	"github.com/xdsctl/xdsctl/internal/controlplane/snapshot"
	"github.com/xdsctl/xdsctl/internal/controlplane/tracker"
	"github.com/xdsctl/xdsctl/internal/emulator"
	"github.com/xdsctl/xdsctl/pkg/configdump"
	"github.com/xdsctl/xdsctl/pkg/xdstype"
)

// baseSnapshot is examples/controlplane/basic.yaml (a test keeps them the same).
//
//go:embed snapshot.yaml
var baseSnapshot string

// Options configure a run.
type Options struct {
	// Out receives the steps, views and PASS/FAIL lines.
	Out io.Writer
	// PeerCommand runs the real gRPC xDS client: this program with its
	// hidden grpc-peer command, or a test binary (with PeerEnv).
	PeerCommand []string
	PeerEnv     []string
	// Now is the clock for ages in the status tables.
	Now func() time.Time
	// Wait is how long a check waits for what it expects (10 s when zero).
	Wait time.Duration
	// Quiet leaves out the status and proxy-config views (PASS/FAIL lines only).
	Quiet bool
}

// Result counts the checks.
type Result struct {
	Checks int
	Failed []string
}

const (
	cds = resource.ClusterType
	eds = resource.EndpointType
	lds = resource.ListenerType
	rds = resource.RouteType
)

var standard = []string{cds, eds, lds, rds}

// run is one self-test run's state.
type run struct {
	o      Options
	out    io.Writer
	res    Result
	cp     *cp.Server
	s1, s2 *emulator.Sidecar
	peer   *grpcpeer.Peer
}

// Run runs the self-test. The error is for what kept it from running (a port, the gRPC client
// process); failed checks are in the Result.
func Run(ctx context.Context, o Options) (Result, error) {
	if o.Wait <= 0 {
		o.Wait = 10 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	r := &run{o: o, out: o.Out}
	defer r.close()
	start := time.Now()
	fmt.Fprintln(r.out, "xdsctl selftest: the bundled control plane, two emulated Envoy sidecars (emulators, not Envoy)")
	fmt.Fprintln(r.out, "and a real gRPC-Go proxyless xDS client, on loopback.")
	if err := r.start(ctx); err != nil {
		return r.res, err
	}
	for i, st := range r.steps() {
		if err := ctx.Err(); err != nil {
			return r.res, err
		}
		fmt.Fprintf(r.out, "\nStep %d: %s\n", i+1, st.title)
		if err := r.apply(i+1, st); err != nil {
			return r.res, err
		}
		for _, c := range st.checks {
			if err := ctx.Err(); err != nil {
				return r.res, err
			}
			r.check(ctx, c)
		}
		if !o.Quiet {
			for _, v := range st.views {
				v(ctx)
			}
		}
	}
	took := time.Since(start).Round(100 * time.Millisecond)
	if len(r.res.Failed) == 0 {
		fmt.Fprintf(r.out, "\nselftest: all %d checks passed in %s\n", r.res.Checks, took)
	} else {
		fmt.Fprintf(r.out, "\nselftest: %d of %d checks FAILED in %s:\n", len(r.res.Failed), r.res.Checks, took)
		for _, f := range r.res.Failed {
			fmt.Fprintf(r.out, "  - %s\n", f)
		}
	}
	return r.res, nil
}

func (r *run) start(ctx context.Context) error {
	cfg, err := snapshot.Parse("selftest/v1.yaml", []byte(baseSnapshot))
	if err != nil {
		return err
	}
	r.cp, err = cp.Start(cp.Options{Config: cfg})
	if err != nil {
		return fmt.Errorf("start the control plane: %w", err)
	}
	fmt.Fprintf(r.out, "\nControl plane: xDS and CSDS on %s\n", r.cp.Addr())
	for _, id := range []string{"sidecar-1", "sidecar-2"} {
		sc, err := emulator.Start(emulator.Options{XDS: r.cp.Addr(), NodeID: id, Admin: "127.0.0.1:0", Metadata: map[string]any{"NAMESPACE": "selftest"}})
		if err != nil {
			return fmt.Errorf("start emulated sidecar %s: %w", id, err)
		}
		if id == "sidecar-1" {
			r.s1 = sc
		} else {
			r.s2 = sc
		}
		fmt.Fprintf(r.out, "Emulated sidecar %s: admin API on %s\n", id, sc.AdminURL())
	}
	pctx, cancel := context.WithTimeout(ctx, max(r.o.Wait, 15*time.Second))
	defer cancel()
	var stderr bytes.Buffer
	r.peer, err = grpcpeer.Start(pctx, grpcpeer.Options{
		Command: r.o.PeerCommand, Env: r.o.PeerEnv, XDS: r.cp.Addr(), NodeID: "grpc-client",
		Targets: []string{"greeter"}, Stderr: &stderr,
	})
	if err != nil {
		if s := strings.TrimSpace(stderr.String()); s != "" {
			err = fmt.Errorf("%w: %s", err, s)
		}
		return err
	}
	fmt.Fprintf(r.out, "gRPC-Go xDS client grpc-client (pid %d): dials xds:///greeter; its own CSDS on %s\n", r.peer.Pid(), r.peer.AdminAddr())
	return nil
}

func (r *run) close() {
	if r.peer != nil {
		_ = r.peer.Close()
	}
	for _, sc := range []*emulator.Sidecar{r.s1, r.s2} {
		if sc != nil {
			_ = sc.Close()
		}
	}
	if r.cp != nil {
		r.cp.Close()
	}
}

// step is one stage of the self-test.
type step struct {
	title string
	push  func() (*snapshot.Config, error)
	// before runs before the push (a sidecar that is to hold the pushed config must hold it before
	// the config can reach it).
	before func()
	checks []check
	views  []func(context.Context)
}

// apply runs a step's before, then pushes its config.
func (r *run) apply(n int, st step) error {
	if st.before != nil {
		st.before()
	}
	if st.push == nil {
		return nil
	}
	cfg, err := st.push()
	if err != nil {
		return fmt.Errorf("step %d: %w", n, err)
	}
	if err := r.cp.Push(cfg); err != nil {
		return fmt.Errorf("step %d: push: %w", n, err)
	}
	return nil
}

// check is one PASS/FAIL line: fn waits (up to Options.Wait) for what it expects.
type check struct {
	name string
	fn   func(ctx context.Context) error
}

func (r *run) check(ctx context.Context, c check) {
	r.res.Checks++
	cctx, cancel := context.WithTimeout(ctx, r.o.Wait)
	defer cancel()
	if err := c.fn(cctx); err != nil {
		r.res.Failed = append(r.res.Failed, c.name)
		fmt.Fprintf(r.out, "  FAIL  %s\n        %s\n", c.name, strings.ReplaceAll(err.Error(), "\n", "\n        "))
		return
	}
	fmt.Fprintf(r.out, "  PASS  %s\n", c.name)
}

// variant is the base snapshot at version, changed by edit on its typed resources (never by
// editing YAML text, which a change of layout in snapshot.yaml would silently break).
func variant(version string, edit func(*snapshot.Config) error) func() (*snapshot.Config, error) {
	return func() (*snapshot.Config, error) {
		c, err := snapshot.Parse("selftest/"+version+".yaml", []byte(baseSnapshot))
		if err != nil {
			return nil, err
		}
		c.Version = version
		if edit != nil {
			if err := edit(c); err != nil {
				return nil, fmt.Errorf("selftest snapshot %s: %w", version, err)
			}
		}
		return c, nil
	}
}

// sharedCluster is the base snapshot's cluster of that name, to change it in a variant.
func sharedCluster(c *snapshot.Config, name string) (*clusterv3.Cluster, error) {
	for _, r := range c.Default[resource.ClusterType] {
		if cl, ok := r.Message.(*clusterv3.Cluster); ok && cl.GetName() == name {
			return cl, nil
		}
	}
	return nil, fmt.Errorf("no cluster %q in the base snapshot", name)
}

// greeterMaglev gives cluster greeter lb_policy MAGLEV, which gRPC-Go rejects and Envoy accepts.
func greeterMaglev(c *snapshot.Config) error {
	cl, err := sharedCluster(c, "greeter")
	if err != nil {
		return err
	}
	cl.LbPolicy = clusterv3.Cluster_MAGLEV
	return nil
}

// badBackendForSidecar1 gives sidecar-1 alone a backend cluster with a negative connect timeout,
// which fails Envoy's proto validation (gRPC would accept it); AllowInvalid lets the control
// plane serve it.
func badBackendForSidecar1(c *snapshot.Config) error {
	base, err := sharedCluster(c, "backend")
	if err != nil {
		return err
	}
	bad := proto.Clone(base).(*clusterv3.Cluster)
	bad.ConnectTimeout = durationpb.New(-time.Second)
	c.AllowInvalid = true
	if c.Nodes == nil {
		c.Nodes = map[string]snapshot.Set{}
	}
	c.Nodes["sidecar-1"] = snapshot.Set{resource.ClusterType: {{Name: "backend", Message: bad, File: "selftest/v3"}}}
	return nil
}

// movePort moves every endpoint on port from to port to.
func movePort(from, to uint32) func(*snapshot.Config) error {
	return func(c *snapshot.Config) error {
		moved := 0
		for _, r := range c.Default[resource.EndpointType] {
			la, ok := r.Message.(*endpointv3.ClusterLoadAssignment)
			if !ok {
				continue
			}
			for _, lle := range la.GetEndpoints() {
				for _, lb := range lle.GetLbEndpoints() {
					if sa := lb.GetEndpoint().GetAddress().GetSocketAddress(); sa.GetPortValue() == from {
						sa.PortSpecifier = &corev3.SocketAddress_PortValue{PortValue: to}
						moved++
					}
				}
			}
		}
		if moved == 0 {
			return fmt.Errorf("no endpoint on port %d in the base snapshot", from)
		}
		return nil
	}
}

func (r *run) steps() []step {
	nodes := []string{"sidecar-1", "sidecar-2", "grpc-client"}
	return []step{
		{
			title: "good config v1 reaches every proxy",
			checks: []check{
				r.synced("sidecar-1", "v1"), r.synced("sidecar-2", "v1"), r.synced("grpc-client", "v1"),
				r.grpcAgrees(4, ""),
				r.ready("sidecar-1"),
			},
			views: []func(context.Context){r.statusView(false), r.grpcView, r.proxyConfig("sidecar-1", "clusters", false), r.proxyConfig("sidecar-1", "listeners", false)},
		},
		{
			title: "v2 gives cluster greeter lb_policy MAGLEV: the gRPC client rejects it, Envoy would not",
			push:  variant("v2", greeterMaglev),
			checks: []check{
				r.nacked("grpc-client", cds, "greeter", "unexpected lbPolicy MAGLEV"),
				r.grpcAgrees(4, "CDS greeter"),
				r.oneResponsePerNACK("grpc-client", cds),
				r.synced("sidecar-1", "v2"), r.synced("sidecar-2", "v2"),
			},
			views: []func(context.Context){r.statusView(true), r.grpcView},
		},
		{
			title: "v3 gives sidecar-1 alone a cluster with connect_timeout -1s: the emulated sidecar rejects it, as Envoy does",
			push:  variant("v3", badBackendForSidecar1),
			checks: []check{
				r.nacked("sidecar-1", cds, "backend", "Error adding/updating cluster(s) backend: Proto constraint validation failed (ClusterValidationError.ConnectTimeout: value must be greater than 0s)"),
				r.oneResponsePerNACK("sidecar-1", cds),
				r.dumpShowsRejected("sidecar-1", "backend"),
				r.synced("sidecar-2", "v3"), r.synced("grpc-client", "v3"),
				r.grpcAgrees(4, ""),
			},
			views: []func(context.Context){r.statusView(true), r.proxyConfig("sidecar-1", "clusters", true)},
		},
		{
			title:  "sidecar-2 holds its ACKs; v4 moves an endpoint and fixes sidecar-1",
			before: func() { r.s2.HoldACKs(true) },
			push:   variant("v4", movePort(9002, 9003)),
			checks: []check{
				r.synced("sidecar-1", "v4"), r.synced("grpc-client", "v4"),
				r.stale("sidecar-2", "v4", "v3"),
				r.dumpVersion("sidecar-2", "v3"),
			},
			views: []func(context.Context){r.statusView(true)},
		},
		{
			title:  "sidecar-2 releases its ACKs",
			before: func() { r.s2.HoldACKs(false) },
			checks: []check{r.synced("sidecar-2", "v4"), r.allSynced(nodes)},
			views:  []func(context.Context){r.statusView(false)},
		},
	}
}

// waitNode waits for cond on a node's connection; the error says what was seen last.
func (r *run) waitNode(ctx context.Context, node string, cond func(tracker.Conn) bool, describe func(tracker.Conn) string) error {
	c, err := r.cp.Tracker().WaitNode(ctx, node, cond)
	if err != nil {
		return fmt.Errorf("%w; last seen: %s", err, describe(c))
	}
	return nil
}

func describeTypes(c tracker.Conn) string {
	var parts []string
	for _, t := range c.Types {
		s := fmt.Sprintf("%s %s (sent %q, acked %q)", xdstype.ShortOrURL(t.TypeURL), tracker.Label(t.Status), t.VersionSent, t.VersionAcked)
		if t.Error != "" {
			s += fmt.Sprintf(" error %q", t.Error)
		}
		parts = append(parts, s)
	}
	if len(parts) == 0 {
		return "not connected"
	}
	return strings.Join(parts, "; ")
}

func (r *run) synced(node, version string) check {
	return check{
		name: fmt.Sprintf("%s is SYNCED at %s for CDS, EDS, LDS and RDS", node, version),
		fn: func(ctx context.Context) error {
			return r.waitNode(ctx, node, func(c tracker.Conn) bool {
				for _, u := range standard {
					t, ok := c.Type(u)
					if !ok || t.Status != tracker.Synced || t.VersionAcked != version {
						return false
					}
				}
				return true
			}, describeTypes)
		},
	}
}

func (r *run) allSynced(nodes []string) check {
	return check{
		name: "every proxy is SYNCED on every type, no error left",
		fn: func(ctx context.Context) error {
			for _, n := range nodes {
				if err := r.waitNode(ctx, n, tracker.Conn.Synced, describeTypes); err != nil {
					return fmt.Errorf("%s: %w", n, err)
				}
			}
			return nil
		},
	}
}

func (r *run) nacked(node, typeURL, resourceName, errText string) check {
	return check{
		name: fmt.Sprintf("%s NACKs %s %s: the control plane shows ERROR with its message", node, xdstype.ShortOrURL(typeURL), resourceName),
		fn: func(ctx context.Context) error {
			return r.waitNode(ctx, node, func(c tracker.Conn) bool {
				t, ok := c.Type(typeURL)
				if !ok || t.Status != tracker.Error || !strings.Contains(t.Error, errText) {
					return false
				}
				for _, res := range t.Resources {
					if res.Name == resourceName {
						return res.Status == tracker.Error
					}
				}
				return false
			}, describeTypes)
		},
	}
}

// oneResponsePerNACK checks the NACK guard: the rejected response is the last one sent.
func (r *run) oneResponsePerNACK(node, typeURL string) check {
	return check{
		name: fmt.Sprintf("%s's NACK is answered with silence: 1 NACK, no response since (no resend storm)", node),
		fn: func(ctx context.Context) error {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(300 * time.Millisecond): // a storm sends thousands in this time
			}
			c, ok := r.cp.Tracker().Node(node)
			if !ok {
				return fmt.Errorf("%s is not connected", node)
			}
			t, _ := c.Type(typeURL)
			if t.Counters.NACKs != 1 || t.Counters.ResponsesSinceNACK != 0 {
				return fmt.Errorf("%d NACKs, %d responses since the last", t.Counters.NACKs, t.Counters.ResponsesSinceNACK)
			}
			return nil
		},
	}
}

func (r *run) stale(node, sent, acked string) check {
	return check{
		name: fmt.Sprintf("%s is STALE: %s sent, %s still the last ACKed", node, sent, acked),
		fn: func(ctx context.Context) error {
			return r.waitNode(ctx, node, func(c tracker.Conn) bool {
				for _, u := range standard {
					t, ok := c.Type(u)
					if !ok || t.Status != tracker.Stale || t.VersionSent != sent || t.VersionAcked != acked {
						return false
					}
				}
				return true
			}, describeTypes)
		},
	}
}

// grpcAgrees compares the gRPC client's own CSDS with the control plane's for its node.
func (r *run) grpcAgrees(n int, nacked string) check {
	what := fmt.Sprintf("the gRPC client's own CSDS agrees with the control plane's (%d resources ACKED)", n)
	if nacked != "" {
		what = fmt.Sprintf("the gRPC client's own CSDS agrees with the control plane's (%s NACKED, same error; others ACKED)", nacked)
	}
	return check{
		name: what,
		fn: func(ctx context.Context) error {
			var last []string
			for {
				client, err := r.peer.ClientStatus(ctx)
				if err == nil {
					mine, _ := cp.ClientStatus(r.cp.Tracker(), cp.NodeRequest("grpc-client"))
					last = grpcpeer.Compare(client, mine)
					res := grpcpeer.Resources(client)
					want := len(res) == n
					for k, g := range res {
						st := g.GetClientStatus().String()
						want = want && (k == nacked && st == "NACKED" || k != nacked && st == "ACKED")
					}
					if want && len(last) == 0 {
						return nil
					}
					if len(last) == 0 {
						last = []string{"views agree but the client is not there yet: " + describeClient(res)}
					}
				} else {
					last = []string{err.Error()}
				}
				select {
				case <-ctx.Done():
					return fmt.Errorf("%w: %s", ctx.Err(), strings.Join(last, "; "))
				case <-time.After(50 * time.Millisecond):
				}
			}
		},
	}
}

func describeClient(res map[string]*statusv3.ClientConfig_GenericXdsConfig) string {
	var parts []string
	for k, g := range res {
		parts = append(parts, k+" "+g.GetClientStatus().String())
	}
	sort.Strings(parts)
	return strings.Join(parts, ", ")
}

func (r *run) sidecar(node string) *emulator.Sidecar {
	if node == "sidecar-2" {
		return r.s2
	}
	return r.s1
}

func (r *run) fetch(ctx context.Context, node, path string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.sidecar(node).AdminURL()+path, nil)
	if err != nil {
		return nil, err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, err
	}
	if res.StatusCode != http.StatusOK {
		return b, fmt.Errorf("GET %s: %s: %s", path, res.Status, strings.TrimSpace(string(b)))
	}
	return b, nil
}

func (r *run) ready(node string) check {
	return check{
		name: node + "'s admin API: /ready is LIVE and /config_dump parses",
		fn: func(ctx context.Context) error {
			for {
				b, err := r.fetch(ctx, node, "/ready")
				if err == nil && strings.TrimSpace(string(b)) == "LIVE" {
					break
				}
				select {
				case <-ctx.Done():
					return fmt.Errorf("%w: /ready said %q (%v)", ctx.Err(), strings.TrimSpace(string(b)), err)
				case <-time.After(50 * time.Millisecond):
				}
			}
			b, err := r.fetch(ctx, node, "/config_dump?include_eds")
			if err != nil {
				return err
			}
			d, err := configdump.Parse(b)
			if err != nil {
				return fmt.Errorf("parse /config_dump: %w", err)
			}
			cs, err := d.Clusters()
			if err != nil {
				return err
			}
			if len(cs) != 3 {
				return fmt.Errorf("/config_dump has %d clusters, want 3 (backend, greeter, xds-grpc)", len(cs))
			}
			return nil
		},
	}
}

// dumpShowsRejected checks the sidecar kept its last good cluster and shows the rejected update
// in its config dump's error_state.
func (r *run) dumpShowsRejected(node, cluster string) check {
	return check{
		name: fmt.Sprintf("%s keeps its last good %s and its /config_dump shows the rejected update", node, cluster),
		fn: func(ctx context.Context) error {
			b, err := r.fetch(ctx, node, "/config_dump")
			if err != nil {
				return err
			}
			d, err := configdump.Parse(b)
			if err != nil {
				return err
			}
			cs, err := d.Clusters()
			if err != nil {
				return err
			}
			for _, c := range cs {
				if c.Name != cluster {
					continue
				}
				if c.Meta.State != configdump.StateActive || c.Meta.VersionInfo != "v2" {
					return fmt.Errorf("cluster %s is %s at %q, want ACTIVE at v2", cluster, c.Meta.State, c.Meta.VersionInfo)
				}
				if c.Meta.Error == nil || c.Meta.Error.VersionInfo != "v3" {
					return fmt.Errorf("cluster %s has no error_state for v3: %+v", cluster, c.Meta.Error)
				}
				return nil
			}
			return fmt.Errorf("no cluster %s in the dump", cluster)
		},
	}
}

// dumpVersion checks what the sidecar itself has loaded.
func (r *run) dumpVersion(node, version string) check {
	return check{
		name: fmt.Sprintf("%s's own /config_dump still shows %s (it has not applied what it holds)", node, version),
		fn: func(ctx context.Context) error {
			// The control plane counts a response as sent before it reaches the sidecar: wait
			// until the sidecar holds the four it is STALE for.
			sc := r.sidecar(node)
			if err := sc.WaitFor(ctx, func(s emulator.State) bool { return s.Held >= len(standard) }); err != nil {
				return fmt.Errorf("it holds %d responses, want %d: %w", sc.State().Held, len(standard), err)
			}
			st := sc.State()
			for _, u := range standard {
				if v := st.Types[u].Version; v != version {
					return fmt.Errorf("%s is at %q", xdstype.ShortOrURL(u), v)
				}
			}
			return nil
		},
	}
}
