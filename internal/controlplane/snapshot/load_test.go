package snapshot

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	clusterv3 "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	"github.com/envoyproxy/go-control-plane/pkg/resource/v3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644))
	}
	return dir
}

const goodCluster = `resources:
  clusters:
    - name: a
      connect_timeout: 1s
`

// TestLoadErrors checks that every kind of bad snapshot is refused with one line naming the file,
// the line and, where there is one, the resource. FILE stands for the file's path.
func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name    string
		files   map[string]string
		path    string // under the temp dir; "" is snapshot.yaml
		wantErr string
	}{
		{"missing file", nil, "nope.yaml", `load snapshot "FILE": no such file or directory`},
		{"empty file", map[string]string{"snapshot.yaml": ""}, "", `load snapshot "FILE": the file is empty; see docs/controlplane.md for the snapshot format`},
		{"yaml syntax", map[string]string{"snapshot.yaml": "resources:\n  clusters:\n    - name: a\n      x: 1\n  y: [1,\n"}, "", `load snapshot "FILE": line 5: did not find expected node content`},
		{"top level is a list", map[string]string{"snapshot.yaml": "- a\n"}, "", `load snapshot "FILE": line 1: the top level must be a mapping with resources: and nodes:, see docs/controlplane.md`},
		{"unknown top-level key", map[string]string{"snapshot.yaml": "version: v1\nresource: {}\n"}, "", `load snapshot "FILE": line 2: unknown field "resource" (want version, allow_invalid, resources or nodes)`},
		{"top-level key twice", map[string]string{"snapshot.yaml": "resources: {}\nversion: v1\nresources: {}\n"}, "", `load snapshot "FILE": line 3: "resources" is given twice (also on line 1)`},
		{"kind twice", map[string]string{"snapshot.yaml": "resources:\n  clusters: []\n  clusters: []\n"}, "", `load snapshot "FILE": line 3: "clusters" is given twice (also on line 2)`},
		{"version is a mapping", map[string]string{"snapshot.yaml": "version: {a: 1}\n"}, "", `load snapshot "FILE": line 1: version must be a string`},
		{"allow_invalid not a bool", map[string]string{"snapshot.yaml": "allow_invalid: maybe\n"}, "", `load snapshot "FILE": line 1: allow_invalid must be true or false`},
		{"unknown kind", map[string]string{"snapshot.yaml": "resources:\n  cluster: []\n"}, "", `load snapshot "FILE": line 2: unknown field "cluster" (want clusters, endpoints, listeners, routes, secrets)`},
		{"kind not a list", map[string]string{"snapshot.yaml": "resources:\n  clusters: {name: a}\n"}, "", `load snapshot "FILE": line 2: clusters must be a list`},
		{"resource not a mapping", map[string]string{"snapshot.yaml": "resources:\n  clusters:\n    - a\n"}, "", `load snapshot "FILE": line 3: a cluster must be a mapping`},
		{"unknown proto field", map[string]string{"snapshot.yaml": "resources:\n  clusters:\n    - name: a\n      connect_timeout: 1s\n      lb_polcy: MAGLEV\n"}, "", `load snapshot "FILE": line 5: cluster "a": unknown field "lb_polcy"`},
		{"bad enum value", map[string]string{"snapshot.yaml": "resources:\n  clusters:\n    - name: a\n      lb_policy: FASTEST\n"}, "", `load snapshot "FILE": line 3: cluster "a": invalid value for enum field lbPolicy: "FASTEST"`},
		{"wrong field type", map[string]string{"snapshot.yaml": "resources:\n  endpoints:\n    - cluster_name: a\n      endpoints: [{lb_endpoints: [{endpoint: {address: {socket_address: {address: x, port_value: many}}}}]}]\n"}, "", `load snapshot "FILE": line 3: endpoint "a": invalid value for uint32 field portValue: "many"`},
		{"unknown @type", map[string]string{"snapshot.yaml": "resources:\n  listeners:\n    - name: l\n      address: {socket_address: {address: 0.0.0.0, port_value: 80}}\n      filter_chains: [{filters: [{name: f, typed_config: {\"@type\": type.googleapis.com/acme.Filter}}]}]\n"}, "", `load snapshot "FILE": line 3: listener "l": unable to resolve "type.googleapis.com/acme.Filter": "not found"`},
		{"no name", map[string]string{"snapshot.yaml": "resources:\n  clusters:\n    - connect_timeout: 1s\n"}, "", `load snapshot "FILE": line 3: clusters[0] has no name`},
		{"duplicate name", map[string]string{"snapshot.yaml": goodCluster + "    - name: a\n      connect_timeout: 2s\n"}, "", `load snapshot "FILE": line 5: cluster "a" is defined twice (also on line 3)`},
		{"invalid resource", map[string]string{"snapshot.yaml": "resources:\n  clusters:\n    - name: a\n      connect_timeout: -1s\n"}, "", `load snapshot "FILE": line 3: cluster "a" is invalid: connect_timeout: value must be greater than 0s (set allow_invalid: true to serve it anyway)`},
		{"nodes not a mapping", map[string]string{"snapshot.yaml": "nodes: [a]\n"}, "", `load snapshot "FILE": line 1: nodes must map a node id to its resources`},
		{"duplicate node", map[string]string{"snapshot.yaml": "nodes:\n  a: {}\n  a: {}\n"}, "", `load snapshot "FILE": line 3: node "a" is listed twice`},
		{"bad resource under a node", map[string]string{"snapshot.yaml": "nodes:\n  sidecar-1:\n    clusters:\n      - name: a\n        foo: 1\n"}, "", `load snapshot "FILE": node "sidecar-1": line 5: cluster "a": unknown field "foo"`},
		{"directory without snapshot files", map[string]string{"README.md": "hi"}, ".", `load snapshot "FILE": no .yaml, .yml or .json files in the directory`},
		{"same resource in two files", map[string]string{"a.yaml": goodCluster, "b.yaml": goodCluster}, ".", `load snapshot "FILE": cluster "a" is defined in FILE/a.yaml line 3 and in FILE/b.yaml line 3`},
		{"files disagree on version", map[string]string{"a.yaml": "version: v1\n", "b.yaml": "version: v2\n"}, ".", `load snapshot "FILE": files disagree on version: "v1" and "v2"`},
		{"bad json", map[string]string{"snapshot.json": "{\"resources\": {\n  \"clusters\": [{\"name\": \"a\",}]}}"}, "snapshot.json", `load snapshot "FILE": line 2 column 29: invalid character '}' looking for beginning of object key string`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeFiles(t, tt.files)
			path := tt.path
			if path == "" {
				path = "snapshot.yaml"
			}
			full := filepath.Join(dir, path)
			_, err := Load(full)
			require.Error(t, err)
			got := strings.ReplaceAll(err.Error(), full, "FILE")
			got = strings.ReplaceAll(got, dir, "FILE")
			assert.Equal(t, tt.wantErr, got)
			assert.NotContains(t, got, "\n", "errors are one line")
		})
	}
}

func TestLoadExample(t *testing.T) {
	cfg, err := Load(filepath.Join("..", "..", "..", "examples", "controlplane", "basic.yaml"))
	require.NoError(t, err)
	assert.Equal(t, "v1", cfg.Version)
	counts := map[string]int{}
	for typeURL, rs := range cfg.Resources("any-node") {
		counts[typeURL] = len(rs)
	}
	assert.Equal(t, map[string]int{
		resource.ClusterType: 2, resource.EndpointType: 2, resource.ListenerType: 2, resource.RouteType: 2, resource.SecretType: 0,
	}, counts)
	for typeURL, v := range cfg.Versions("any-node") {
		assert.Equal(t, "v1", v, typeURL)
	}
}

func TestLoadGood(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		path  string
		check func(t *testing.T, cfg *Config)
	}{
		{
			name:  "json file",
			files: map[string]string{"s.json": `{"version": "7", "resources": {"clusters": [{"name": "a", "connectTimeout": "1s"}]}}`},
			path:  "s.json",
			check: func(t *testing.T, cfg *Config) {
				rs := cfg.Resources("n")[resource.ClusterType]
				require.Len(t, rs, 1)
				assert.Equal(t, "a", rs[0].Name)
				assert.Equal(t, int64(1), rs[0].Message.(*clusterv3.Cluster).GetConnectTimeout().GetSeconds())
				assert.Equal(t, "7", cfg.Versions("n")[resource.ClusterType])
			},
		},
		{
			name:  "a directory merges its files in name order",
			files: map[string]string{"a.yaml": goodCluster, "b.yml": "resources:\n  clusters:\n    - name: b\n      connect_timeout: 1s\n", "notes.txt": "ignored"},
			path:  ".",
			check: func(t *testing.T, cfg *Config) {
				rs := cfg.Resources("n")[resource.ClusterType]
				require.Len(t, rs, 2)
				assert.Equal(t, "a", rs[0].Name)
				assert.Equal(t, "b", rs[1].Name)
				assert.True(t, strings.HasSuffix(rs[1].File, "b.yml"))
				assert.Equal(t, 3, rs[1].Line)
			},
		},
		{
			name: "a node's own resource replaces the shared one of the same name",
			files: map[string]string{"snapshot.yaml": goodCluster + `nodes:
  special:
    clusters:
      - name: a
        connect_timeout: 9s
      - name: extra
        connect_timeout: 1s
`},
			check: func(t *testing.T, cfg *Config) {
				sp := cfg.Resources("special")[resource.ClusterType]
				require.Len(t, sp, 2)
				assert.Equal(t, int64(9), sp[0].Message.(*clusterv3.Cluster).GetConnectTimeout().GetSeconds())
				other := cfg.Resources("other")[resource.ClusterType]
				require.Len(t, other, 1)
				assert.Equal(t, int64(1), other[0].Message.(*clusterv3.Cluster).GetConnectTimeout().GetSeconds())
				assert.Equal(t, []string{"special"}, cfg.NodeIDs())
				assert.NotEqual(t, cfg.Versions("special")[resource.ClusterType], cfg.Versions("other")[resource.ClusterType])
			},
		},
		{
			name:  "allow_invalid serves a resource that fails validation",
			files: map[string]string{"snapshot.yaml": "allow_invalid: true\nresources:\n  clusters:\n    - name: a\n      connect_timeout: -1s\n"},
			check: func(t *testing.T, cfg *Config) {
				assert.True(t, cfg.AllowInvalid)
				assert.Len(t, cfg.Resources("n")[resource.ClusterType], 1)
			},
		},
		{
			name:  "without a version each type's version is a hash of its resources",
			files: map[string]string{"snapshot.yaml": goodCluster},
			check: func(t *testing.T, cfg *Config) {
				v := cfg.Versions("n")
				assert.Len(t, v[resource.ClusterType], 12)
				assert.NotEqual(t, v[resource.ClusterType], v[resource.ListenerType])
				snap := cfg.ForNode("n")
				assert.Equal(t, v[resource.ClusterType], snap.GetVersion(resource.ClusterType))
				assert.Len(t, snap.GetResources(resource.ClusterType), 1)
			},
		},
		{
			name:  "empty kinds and resources: null",
			files: map[string]string{"snapshot.yaml": "resources:\n  clusters:\n  listeners: []\n"},
			check: func(t *testing.T, cfg *Config) {
				assert.Empty(t, cfg.Resources("n")[resource.ClusterType])
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeFiles(t, tt.files)
			path := tt.path
			if path == "" {
				path = "snapshot.yaml"
			}
			cfg, err := Load(filepath.Join(dir, path))
			require.NoError(t, err)
			tt.check(t, cfg)
		})
	}
}

func TestVersionsChangeOnlyWithContent(t *testing.T) {
	a, err := Parse("a.yaml", []byte(goodCluster+"  listeners: []\n"))
	require.NoError(t, err)
	b, err := Parse("b.yaml", []byte(strings.Replace(goodCluster, "1s", "2s", 1)+"  listeners: []\n"))
	require.NoError(t, err)
	va, vb := a.Versions("n"), b.Versions("n")
	assert.NotEqual(t, va[resource.ClusterType], vb[resource.ClusterType])
	assert.Equal(t, va[resource.ListenerType], vb[resource.ListenerType])
	assert.False(t, a.Equal(b))
	c, err := Parse("c.yaml", []byte(goodCluster+"  listeners: []\n"))
	require.NoError(t, err)
	assert.True(t, a.Equal(c))
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(goodCluster))
	f.Add([]byte("version: v1\nnodes:\n  a:\n    clusters: [{name: x}]\n"))
	f.Add([]byte(`{"resources": {"listeners": [{"name": "l"}]}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := Parse("fuzz.yaml", data)
		if err == nil {
			_ = cfg.ForNode("n")
		}
	})
}

// TestExamplesLoad keeps every example under examples/controlplane loadable.
func TestExamplesLoad(t *testing.T) {
	root := filepath.Join("..", "..", "..", "examples", "controlplane")
	for _, name := range []string{"basic.yaml", "nack.yaml", "split"} {
		t.Run(name, func(t *testing.T) {
			cfg, err := Load(filepath.Join(root, name))
			require.NoError(t, err)
			assert.NotEmpty(t, cfg.Resources("any")[resource.ListenerType])
		})
	}
	cfg, err := Load(filepath.Join(root, "split"))
	require.NoError(t, err)
	assert.Equal(t, "2026-11-29.1", cfg.Version)
	assert.Len(t, cfg.Resources("sidecar")[resource.ClusterType], 2)
	assert.Len(t, cfg.Resources("canary")[resource.ClusterType], 3)
	canary := cfg.Resources("canary")[resource.EndpointType]
	require.Len(t, canary, 1)
	assert.Contains(t, canary[0].File, "20-canary.yaml")
}
