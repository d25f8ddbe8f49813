package ui

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	neturl "net/url"
	"os"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xdsctl/xdsctl/internal/cmd/proxystatus"
	"github.com/xdsctl/xdsctl/internal/cmdutil"
	"github.com/xdsctl/xdsctl/internal/iostreams"
	"github.com/xdsctl/xdsctl/internal/kube"
	"github.com/xdsctl/xdsctl/pkg/configdiff"
	"github.com/xdsctl/xdsctl/pkg/uiapi"
)

// Two dumps of one sidecar, seven months apart (testdata/dumps/istio-history).
const (
	history2019 = "../../../testdata/dumps/istio-history/istioctl__cmd__testdata__describe__productpage-v1-7bbd79f8fd-k6j79@2019-09-13.json"
	history2020 = "../../../testdata/dumps/istio-history/istioctl__cmd__testdata__describe__productpage-v1-7bbd79f8fd-k6j79@2020-04-15.json"
)

var withDiffHeader = http.Header{diffHeader: {"1"}}

// TestDiffFlag: --diff compares at start, the printed URL carries ?diff=, and the page's
// requests get the comparison made then.
func TestDiffFlag(t *testing.T) {
	var reads atomic.Int32
	o := &Options{Source: cmdutil.SourceOptions{File: history2020}, Diff: history2019}
	o.readSideFunc = func(ctx context.Context, s string) (configdiff.Input, error) {
		reads.Add(1)
		return (&Options{IO: o.IO}).readSide(ctx, s)
	}
	url := serve(t, o)
	base, query, ok := strings.Cut(url, "?")
	require.True(t, ok, url)
	assert.Equal(t, "diff="+neturl.QueryEscape(history2019), query)
	assert.Equal(t, int32(1), reads.Load(), "read at start")

	against := "?against=" + neturl.QueryEscape(history2019)
	code, body := do(t, http.MethodGet, base+"api/diff"+against, "", withDiffHeader)
	require.Equal(t, http.StatusOK, code, body)
	var s struct {
		Summary string
		Total   int
	}
	require.NoError(t, json.Unmarshal([]byte(body), &s))
	assert.Equal(t, "53 resources differ: 51 added, 0 removed, 2 changed", s.Summary)
	code, body = do(t, http.MethodGet, base+"api/diff/listeners/0.0.0.0_9080"+against, "", withDiffHeader)
	require.Equal(t, http.StatusOK, code, body)
	assert.Contains(t, body, `"change": "added"`)
	assert.Equal(t, int32(1), reads.Load(), "the comparison made at start answers")
}

// TestDiffNeedsHeader: a comparison reads what the request names (a file, a pod), so a request
// without the page's header — another site's form, image or script, which cannot send one
// without a CORS preflight the server never allows — reads nothing and gets 403.
func TestDiffNeedsHeader(t *testing.T) {
	var reads atomic.Int32
	url := serve(t, &Options{Demo: true, readSideFunc: func(context.Context, string) (configdiff.Input, error) {
		reads.Add(1)
		return configdiff.Input{}, assert.AnError
	}})
	for _, path := range []string{"api/diff?against=/etc/passwd", "api/diff/clusters/x?against=reviews-v1", "api/diff?against=cp:reviews-v1"} {
		code, body := do(t, http.MethodGet, url+path, "", nil)
		assert.Equal(t, http.StatusForbidden, code, path)
		assert.Contains(t, body, `"error":"a comparison needs the X-Xdsctl-Diff header`, path)
		code, _ = do(t, http.MethodGet, url+path, "", http.Header{"Origin": {"http://evil.example"}})
		assert.Equal(t, http.StatusForbidden, code, path)

		// the preflight a browser sends before another site's fetch with the header
		req, err := http.NewRequest(http.MethodOptions, url+path, nil)
		require.NoError(t, err)
		req.Header.Set("Origin", "http://evil.example")
		req.Header.Set("Access-Control-Request-Method", "GET")
		req.Header.Set("Access-Control-Request-Headers", diffHeader)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		assert.NotEqual(t, http.StatusOK, resp.StatusCode, path)
		assert.Empty(t, resp.Header.Get("Access-Control-Allow-Origin"), path)
		assert.Empty(t, resp.Header.Get("Access-Control-Allow-Headers"), path)
	}
	// DNS rebinding: the header does not help a request for another host
	port := url[strings.LastIndex(url, ":")+1 : len(url)-1]
	code, _ := do(t, http.MethodGet, url+"api/diff?against=/etc/passwd", "evil.example:"+port, withDiffHeader)
	assert.Equal(t, http.StatusMisdirectedRequest, code)
	assert.Zero(t, reads.Load(), "nothing was read")

	code, _ = do(t, http.MethodGet, url+"api/diff?against=x.json", "", withDiffHeader)
	assert.Equal(t, http.StatusUnprocessableEntity, code)
	assert.Equal(t, int32(1), reads.Load(), "the page's request is served")
}

// TestDiffErrors: what cannot be compared with is a JSON error the page shows.
func TestDiffErrors(t *testing.T) {
	url := serve(t, &Options{Demo: true})
	for _, tc := range []struct {
		against string
		code    int
		error   string
		hint    string
	}{
		{"", http.StatusBadRequest, "give the source to compare with: ?against=FILE, an admin URL, a pod or cp:<pod>", ""},
		{"-", http.StatusBadRequest, `compare with "-": standard input cannot be compared with in ui: save it to a file and give its path`, ""},
		{"cp:", http.StatusBadRequest, `compare with "cp:": cp: names no pod: give cp:<pod>[.<namespace>]`, ""},
		{"missing.json", http.StatusUnprocessableEntity, `compare with missing.json: "missing.json" is neither a file nor a proxy: no such file`,
			"give a config dump file, an admin URL (http://host:port), cp:<pod>, or a <pod>[.<namespace>]"},
		{"diff.go", http.StatusUnprocessableEntity, `compare with diff.go: file "diff.go": input is neither JSON nor valid YAML: yaml: `, ""},
		{"reviews-v1", http.StatusUnprocessableEntity, "compare with reviews-v1: no live proxies can be reached from here", ""},
		{"cp:reviews-v1", http.StatusUnprocessableEntity, "compare with cp:reviews-v1: no control plane can be reached from here", ""},
	} {
		t.Run(tc.against, func(t *testing.T) {
			code, body := do(t, http.MethodGet, url+"api/diff?against="+neturl.QueryEscape(tc.against), "", withDiffHeader)
			assert.Equal(t, tc.code, code)
			var e struct{ Error, Hint string }
			require.NoError(t, json.Unmarshal([]byte(body), &e), body)
			if strings.HasSuffix(tc.error, ": ") {
				assert.True(t, strings.HasPrefix(e.Error, tc.error), e.Error) // then the YAML parser's words
			} else {
				assert.Equal(t, tc.error, e.Error)
			}
			assert.Equal(t, tc.hint, e.Hint)
		})
	}
}

// TestDiffSelf: the demo against its own dump has no differences.
func TestDiffSelf(t *testing.T) {
	url := serve(t, &Options{Demo: true})
	code, body := do(t, http.MethodGet, url+"api/diff?against="+neturl.QueryEscape("../proxyconfig/demodata/config_dump.json"), "", withDiffHeader)
	require.Equal(t, http.StatusOK, code, body)
	assert.Contains(t, body, `"equal": true`)
	assert.Contains(t, body, `"summary": "no differences (`)
}

// TestDiffFlagErrors: a --diff that names nothing to compare with is a usage error; one that
// cannot be read stops xdsctl ui before it serves.
func TestDiffFlagErrors(t *testing.T) {
	for in, want := range map[string]string{
		"-":   `--diff "-": standard input cannot be compared with in ui: save it to a file and give its path`,
		"cp:": `--diff "cp:": cp: names no pod: give cp:<pod>[.<namespace>]`,
	} {
		err := (&Options{Demo: true, Address: "127.0.0.1", Diff: in}).validate(nil)
		var fe *cmdutil.FlagError
		require.ErrorAs(t, err, &fe, in)
		assert.EqualError(t, err, want)
	}
	ios, _, out, _ := iostreams.Test()
	err := (&Options{IO: ios, Demo: true, Address: "127.0.0.1", Diff: "missing.json"}).Run(context.Background())
	require.Error(t, err)
	assert.Equal(t, `--diff missing.json: "missing.json" is neither a file nor a proxy: no such file`, err.Error())
	assert.Equal(t, "give a config dump file, an admin URL (http://host:port), cp:<pod>, or a <pod>[.<namespace>]", cmdutil.HintOf(err),
		"ui cannot compare with standard input: its hint does not offer it")
	assert.Empty(t, out.String(), "no URL: nothing is served")
}

// TestDiffAfterRefresh: a refresh of the shown proxy makes the next request compare again, and
// read the source again.
func TestDiffAfterRefresh(t *testing.T) {
	dumps := [][]byte{readTestFile(t, history2019), readTestFile(t, history2020)}
	var loads, reads atomic.Int32
	s := &server{host: "h:1", live: true,
		load: func(context.Context) (*uiapi.API, error) {
			n := loads.Add(1)
			return uiapi.New(uiapi.Source{Name: "pod", Dump: dumps[min(int(n)-1, 1)], Live: true})
		},
		diffs: &diffs{read: func(context.Context, string) (configdiff.Input, error) {
			reads.Add(1)
			return configdiff.Input{Name: "before.json", Dump: dumps[0]}, nil
		}},
	}
	a, err := s.load(context.Background())
	require.NoError(t, err)
	s.store(a)
	h := s.handler()
	call := func(method, path string, hd http.Header) (int, string) {
		req := httptest.NewRequest(method, "http://h:1"+path, nil)
		for k, v := range hd {
			req.Header[k] = v
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code, rec.Body.String()
	}
	code, body := call(http.MethodGet, "/api/diff?against=before.json", withDiffHeader)
	require.Equal(t, http.StatusOK, code, body)
	assert.Contains(t, body, `"summary": "no differences (`)
	code, _ = call(http.MethodGet, "/api/diff?against=before.json&offset=0", withDiffHeader)
	require.Equal(t, http.StatusOK, code)
	assert.Equal(t, int32(1), reads.Load(), "one comparison answers the page's requests")

	code, body = call(http.MethodPost, "/api/refresh", http.Header{refreshHeader: {"1"}})
	require.Equal(t, http.StatusOK, code, body)
	code, body = call(http.MethodGet, "/api/diff?against=before.json", withDiffHeader)
	require.Equal(t, http.StatusOK, code, body)
	assert.Contains(t, body, `"summary": "53 resources differ: 51 added, 0 removed, 2 changed"`)
	assert.Equal(t, int32(2), reads.Load(), "the source is read again after a refresh")
}

func readTestFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return b
}

// TestDiffNoKubeconfig: cp:<pod> without a kubeconfig hints at what ui takes, not at
// proxy-status's --xds-address and --file, which ui does not have.
func TestDiffNoKubeconfig(t *testing.T) {
	ios, _, out, _ := iostreams.Test()
	f := &cmdutil.Factory{IOStreams: ios, Resolver: func() (cmdutil.TargetResolver, error) {
		return nil, fmt.Errorf("%w found", kube.ErrNoConfig)
	}}
	o := &Options{IO: ios, Demo: true, Address: "127.0.0.1", Diff: "cp:reviews-v1", ControlPlane: proxystatus.NewOptions(f)}
	err := o.Run(context.Background())
	require.Error(t, err)
	assert.ErrorIs(t, err, kube.ErrNoConfig)
	assert.Equal(t, "pass --kubeconfig or set KUBECONFIG; outside Kubernetes compare with a saved dump file or an admin URL (http://host:port)", cmdutil.HintOf(err))
	assert.Empty(t, out.String())
}
