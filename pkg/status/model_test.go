package status

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestAggregate(t *testing.T) {
	rs := func(states ...State) []ResourceStatus {
		out := make([]ResourceStatus, len(states))
		for i, s := range states {
			out[i] = ResourceStatus{State: s}
		}
		return out
	}
	tests := []struct {
		name string
		in   []ResourceStatus
		want State
	}{
		{"none", nil, StateIgnored},
		{"all synced", rs(StateSynced, StateSynced), StateSynced},
		{"error wins over everything", rs(StateSynced, StateStale, StateError, StateNotSent), StateError},
		{"stale wins over synced", rs(StateSynced, StateStale), StateStale},
		{"some synced some not sent is synced", rs(StateNotSent, StateSynced), StateSynced},
		{"all not sent", rs(StateNotSent, StateNotSent), StateNotSent},
		{"ignored and not sent", rs(StateIgnored, StateNotSent), StateNotSent},
		{"all ignored", rs(StateIgnored), StateIgnored},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, aggregate(tt.in))
		})
	}
}

func TestShortType(t *testing.T) {
	tests := []struct{ in, want string }{
		{cdsURL, "CDS"},
		{"type.googleapis.com/envoy.api.v2.Cluster", "CDS"},
		{ldsURL, "LDS"},
		{"type.googleapis.com/envoy.api.v2.Listener", "LDS"},
		{edsURL, "EDS"},
		{"type.googleapis.com/envoy.api.v2.ClusterLoadAssignment", "EDS"},
		{rdsURL, "RDS"},
		{"type.googleapis.com/envoy.api.v2.RouteConfiguration", "RDS"},
		{"type.googleapis.com/envoy.config.core.v3.TypedExtensionConfig", "ECDS"},
		{"type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret", "SDS"},
		{"type.googleapis.com/envoy.api.v2.auth.Secret", "SDS"},
		{"type.googleapis.com/envoy.config.route.v3.ScopedRouteConfiguration", "SRDS"},
		{"type.googleapis.com/envoy.config.route.v3.VirtualHost", "VHDS"},
		{"type.googleapis.com/envoy.service.runtime.v3.Runtime", "RTDS"},
		{"type.googleapis.com/istio.workload.Address", "WDS"},
		{"envoy.config.cluster.v3.Cluster", "CDS"},
		{"type.googleapis.com/example.v1.Widget", "Widget"},
		{"istio.io/debug/syncz", "syncz"},
		{"", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			assert.Equal(t, tt.want, ShortType(tt.in))
		})
	}
}

const (
	cdsURL = "type.googleapis.com/envoy.config.cluster.v3.Cluster"
	ldsURL = "type.googleapis.com/envoy.config.listener.v3.Listener"
	rdsURL = "type.googleapis.com/envoy.config.route.v3.RouteConfiguration"
	edsURL = "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment"
)

func TestNACKMessage(t *testing.T) {
	const envoy = "Error adding/updating cluster(s) backend: Proto constraint validation failed (ClusterValidationError.ConnectTimeout: value must be greater than 0s)"
	const envoyTwo = "Error adding/updating cluster(s) a, b: Proto constraint validation failed"
	grpcTwo := "error parsing \"ClusterResource\" response: resource \"a\": unexpected lbPolicy MAGLEV in response: name:\"a\"  lb_policy:MAGLEV;\nresource \"b\": unexpected cluster type 7"
	const grpcOne = "error parsing \"ClusterResource\" response: resource \"greeter\": unexpected lbPolicy MAGLEV in response: name:\"greeter\"  lb_policy:MAGLEV"
	bad := func(name, msg string) ResourceStatus {
		return ResourceStatus{Name: name, State: StateError, Error: msg}
	}
	ok := func(name string) ResourceStatus {
		return ResourceStatus{Name: name, State: StateSynced}
	}
	tests := []struct {
		name    string
		summary string
		rs      []ResourceStatus
		want    string
	}{
		{"summary and the one resource it blames say the same", envoy,
			[]ResourceStatus{bad("backend", envoy), ok("greeter")}, envoy},
		{"a summary without a name and a resource saying the same, no control plane summary", "",
			[]ResourceStatus{bad("", envoy), bad("backend", envoy)}, envoy},
		{"the summary contains the one resource's part (gRPC)", grpcOne,
			[]ResourceStatus{bad("greeter", "unexpected lbPolicy MAGLEV in response: name:\"greeter\"  lb_policy:MAGLEV")}, grpcOne},
		{"several resources, different messages: the resource-named form (gRPC)", OneLine(grpcTwo),
			[]ResourceStatus{bad("a", "unexpected lbPolicy MAGLEV in response: name:\"a\"  lb_policy:MAGLEV"), bad("b", "unexpected cluster type 7"), ok("c")},
			"a: unexpected lbPolicy MAGLEV in response: name:\"a\"  lb_policy:MAGLEV; b: unexpected cluster type 7"},
		{"several resources, the same message, no summary: once, with both names", "",
			[]ResourceStatus{bad("b", envoyTwo), bad("a", envoyTwo), ok("c")}, "a, b: " + envoyTwo},
		{"several resources, different messages, no summary", "",
			[]ResourceStatus{bad("a", "bad a"), bad("b", "bad b")}, "a: bad a; b: bad b"},
		{"one resource alone is not named", "", []ResourceStatus{bad("a", "bad a")}, "bad a"},
		{"a resource error the summary does not say is added", "bad a",
			[]ResourceStatus{bad("a", "bad a"), bad("b", "older: bad b")}, "bad a; b: older: bad b"},
		{"no details from the summary: the resources' messages", NoDetails,
			[]ResourceStatus{bad("a", "bad a"), ok("b")}, "a: bad a"},
		{"no details at all", NoDetails, []ResourceStatus{bad("a", NoDetails)}, NoDetails},
		{"no details next to a message is left out", "", []ResourceStatus{bad("a", NoDetails), bad("b", "bad b")}, "b: bad b"},
		{"nothing rejected", "", []ResourceStatus{ok("a")}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := NACKMessage(tt.summary, tt.rs)
			assert.Equal(t, tt.want, got)
		})
	}
}
