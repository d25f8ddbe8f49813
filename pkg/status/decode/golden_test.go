package decode

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xdsctl/xdsctl/pkg/status"

	discoveryv3 "github.com/envoyproxy/go-control-plane/envoy/service/discovery/v3"
	statusv3 "github.com/envoyproxy/go-control-plane/envoy/service/status/v3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/xdsctl/xdsctl/internal/testutil"
)

// assertGolden compares got with testdata/<name>.golden (testutil.Golden).
func assertGolden(t *testing.T, got []byte, name string) {
	t.Helper()
	testutil.Golden(t, filepath.Join("testdata", name+".golden"), got)
}

func readShared(t *testing.T, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "..", "testdata", "dumps", rel))
	require.NoError(t, err)
	return b
}

// The decoders read the wire format by hand; these helpers feed them what the generated Envoy types
// marshal, so every test also checks the field numbers.

func mustMarshal(tb testing.TB, m proto.Message) []byte {
	tb.Helper()
	b, err := proto.Marshal(m)
	require.NoError(tb, err)
	return b
}

func fromCC(t *testing.T, cc *statusv3.ClientConfig) status.ProxyStatus {
	t.Helper()
	c, err := parseClientConfig(mustMarshal(t, cc))
	require.NoError(t, err)
	p := fromClientConfig(c)
	// the JSON decoder must agree with the binary one
	j, err := protojson.Marshal(cc)
	require.NoError(t, err)
	v, err := decodeJSON(j)
	require.NoError(t, err)
	assert.Equal(t, p, fromClientConfig(clientConfigJSON(jobject(v))), "JSON and binary decoders differ")
	return p
}

func fromResp(t *testing.T, resp *statusv3.ClientStatusResponse, cp string) *status.Report {
	t.Helper()
	r, err := DecodeClientStatus(mustMarshal(t, resp), cp)
	require.NoError(t, err)
	j, err := protojson.Marshal(resp)
	require.NoError(t, err)
	rj, err := DecodeClientStatusJSON(j, cp)
	require.NoError(t, err)
	assert.Equal(t, r, rj, "JSON and binary decoders differ")
	return r
}

func genericOf(t *testing.T, g *statusv3.ClientConfig_GenericXdsConfig) *genericConfig {
	t.Helper()
	out, err := parseGeneric(mustMarshal(t, g))
	require.NoError(t, err)
	return &out
}

func fromSynczResp(t *testing.T, resp *discoveryv3.DiscoveryResponse, fallback string) (*status.Report, error) {
	t.Helper()
	return DecodeSyncz(mustMarshal(t, resp), fallback)
}

func TestIstioPod(t *testing.T) {
	for id, want := range map[string]string{
		"sidecar~10.0.0.7~reviews-v1-abc.bookinfo~bookinfo.svc.cluster.local":  "reviews-v1-abc.bookinfo",
		"router~10.0.0.8~istio-ingressgateway-x.istio-system~istio-system.svc": "istio-ingressgateway-x.istio-system",
		"grpc-client-1":           "",
		"sidecar~10.0.0.7~nodot~": "",
		"a~b~c.d":                 "",
	} {
		assert.Equal(t, want, IstioPod(id), id)
	}
}

// render is a status table as the goldens hold it: cells joined by tabs.
func render(headers []string, rows [][]string) []byte {
	var b bytes.Buffer
	b.WriteString(strings.Join(headers, "\t") + "\n")
	for _, r := range rows {
		b.WriteString(strings.Join(r, "\t") + "\n")
	}
	return b.Bytes()
}
