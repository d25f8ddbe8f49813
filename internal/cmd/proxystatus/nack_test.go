package proxystatus

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	adminv3 "github.com/envoyproxy/go-control-plane/envoy/admin/v3"
	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	statusv3 "github.com/envoyproxy/go-control-plane/envoy/service/status/v3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// nackedProxies: an Envoy that rejected two listeners in one NACK (names out of order), and a gRPC
// client whose NACK carries a whole route configuration (as gRPC-Go's messages do).
func nackedProxies() *statusv3.ClientStatusResponse {
	ts := timestamppb.New(t0.Add(-10 * time.Second))
	longRoute := "route_config \"r\" rejected: " + strings.TrimSpace(strings.Repeat(`virtual_hosts:{name:"vh" domains:"*" routes:{match:{prefix:"/"} route:{cluster:"c"}}} `, 20))
	return &statusv3.ClientStatusResponse{Config: []*statusv3.ClientConfig{
		{Node: &corev3.Node{Id: "envoy-1", Cluster: "edge"}, GenericXdsConfigs: []*statusv3.ClientConfig_GenericXdsConfig{
			{TypeUrl: ldsURL, ClientStatus: adminv3.ClientResourceStatus_NACKED, VersionInfo: "1", LastUpdated: ts,
				ErrorState: &adminv3.UpdateFailureState{VersionInfo: "2", Details: "Error adding/updating listener(s) 0.0.0.0_8080: error adding listener '0.0.0.0:8080': " +
					"filter chain 'b' has the same matching rules defined as 'a', 0.0.0.0_15006: Proto constraint validation failed (ListenerValidationError.Name: value length must be at least 1 characters)"}},
		}},
		{Node: &corev3.Node{Id: "grpc-1", Cluster: "edge"}, GenericXdsConfigs: []*statusv3.ClientConfig_GenericXdsConfig{
			{TypeUrl: rdsURL, Name: "r", ClientStatus: adminv3.ClientResourceStatus_NACKED, VersionInfo: "1", LastUpdated: ts,
				ErrorState: &adminv3.UpdateFailureState{VersionInfo: "2", Details: longRoute}},
		}},
	}}
}

// TestWideNACKColumn: one line per rejected resource, sorted; on a terminal cut to its width with
// "…"; piped, whole (for grep); -o json keeps the whole message.
func TestWideNACKColumn(t *testing.T) {
	j, err := protojson.Marshal(nackedProxies())
	require.NoError(t, err)
	path := writeTemp(t, "csds.json", j)

	h := newHarness(t, nil)
	stdout, stderr, code := h.run("--file", path, "-o", "wide")
	require.Equal(t, 0, code, stderr)
	assertGolden(t, stdout, "nack/piped.wide")

	t.Setenv("COLUMNS", "200")
	h.ios.SetStdoutTTY(true)
	stdout, stderr, code = h.run("--file", path, "-o", "wide")
	require.Equal(t, 0, code, stderr)
	assertGolden(t, stdout, "nack/terminal.wide")
	for _, line := range strings.Split(strings.TrimSuffix(stdout, "\n"), "\n") {
		assert.LessOrEqual(t, len([]rune(line)), 200)
	}

	stdout, _, code = h.run("--file", path, "-o", "json")
	require.Equal(t, 0, code)
	var got []struct {
		Types []struct{ Error string } `json:"types"`
	}
	require.NoError(t, json.Unmarshal([]byte(stdout), &got))
	var whole []string
	for _, p := range got {
		for _, ty := range p.Types {
			if ty.Error != "" {
				whole = append(whole, ty.Error)
			}
		}
	}
	cfg := nackedProxies().Config
	assert.ElementsMatch(t, []string{cfg[0].GenericXdsConfigs[0].ErrorState.Details, cfg[1].GenericXdsConfigs[0].ErrorState.Details}, whole)
}
