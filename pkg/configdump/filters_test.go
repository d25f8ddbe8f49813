package configdump

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestClusterFilter(t *testing.T) {
	c := Cluster{Name: "outbound|9080|v2|reviews.default.svc.cluster.local"}
	plain := Cluster{Name: "BlackHoleCluster"}
	tests := []struct {
		name      string
		f         ClusterFilter
		want      bool
		wantPlain bool
	}{
		{"empty", ClusterFilter{}, true, true},
		{"fqdn substring", ClusterFilter{FQDN: "reviews.default"}, true, false},
		{"fqdn other", ClusterFilter{FQDN: "ratings"}, false, false},
		{"port", ClusterFilter{Port: 9080}, true, false},
		{"port must be a whole part", ClusterFilter{Port: 908}, false, false},
		{"subset", ClusterFilter{Subset: "v2"}, true, false},
		{"direction", ClusterFilter{Direction: "outbound"}, true, false},
		{"direction inbound", ClusterFilter{Direction: "inbound"}, false, false},
		{"all", ClusterFilter{FQDN: "reviews", Port: 9080, Subset: "v2", Direction: "outbound"}, true, false},
		{"plain name", ClusterFilter{FQDN: "BlackHole"}, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.f.Match(&c))
			assert.Equal(t, tt.wantPlain, tt.f.Match(&plain))
		})
	}
}

func TestListenerFilter(t *testing.T) {
	l := Listener{Addresses: []string{"0.0.0.0", "::"}, Port: 15001, Type: "HTTP+TCP"}
	tests := []struct {
		name string
		f    ListenerFilter
		want bool
	}{
		{"empty", ListenerFilter{}, true},
		{"address", ListenerFilter{Address: "0.0.0.0"}, true},
		{"additional address", ListenerFilter{Address: "::"}, true},
		{"address is exact", ListenerFilter{Address: "0.0.0"}, false},
		{"port", ListenerFilter{Port: 15001}, true},
		{"other port", ListenerFilter{Port: 15006}, false},
		{"type case-insensitive", ListenerFilter{Type: "http+tcp"}, true},
		{"type is exact", ListenerFilter{Type: "HTTP"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.f.Match(&l))
		})
	}
}

func TestRouteFilter(t *testing.T) {
	r := RouteConfig{Name: "9080"}
	assert.True(t, RouteFilter{}.Match(&r))
	assert.True(t, RouteFilter{Name: "9080"}.Match(&r))
	assert.False(t, RouteFilter{Name: "908"}.Match(&r), "exact name, as istioctl")
	assert.False(t, RouteFilter{Name: "http.9080"}.Match(&r))
}
