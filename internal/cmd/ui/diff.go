package ui

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/xdsctl/xdsctl/internal/cmd/diff"
	"github.com/xdsctl/xdsctl/internal/cmdutil"
	"github.com/xdsctl/xdsctl/internal/kube"
	"github.com/xdsctl/xdsctl/pkg/configdiff"
	"github.com/xdsctl/xdsctl/pkg/uiapi"
)

// diffHeader must be on every /api/diff request. Comparing reads what the request names — any
// file this user can read, a pod through a port-forward, the control plane — so another site's
// page must not be able to ask: a custom header makes the browser ask first (a CORS preflight),
// which the server never allows, and a form or an <img> cannot send one.
const diffHeader = "X-Xdsctl-Diff"

// checkDiffSource says what is wrong with a source to compare with, before reading it.
func checkDiffSource(s string) error {
	if s == "-" {
		return errors.New("standard input cannot be compared with in ui: save it to a file and give its path")
	}
	return diff.CheckSide(s)
}

// readSide reads the source to compare with as xdsctl diff reads a side.
func (o *Options) readSide(ctx context.Context, s string) (configdiff.Input, error) {
	if o.readSideFunc != nil {
		return o.readSideFunc(ctx, s)
	}
	timeout := o.Source.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	r := &diff.Options{IO: o.IO, Resolver: o.Resolver, ControlPlane: o.ControlPlane, AdminPort: o.Source.AdminPort, Timeout: timeout}
	in, err := r.Read(ctx, s)
	switch {
	case cmdutil.HintOf(err) == diff.MissingSourceHint:
		err = cmdutil.WithHint(err, missingSourceHint) // ui compares with no standard input
	case errors.Is(err, kube.ErrNoConfig):
		// proxy-status's hint names its --xds-address and --file, which ui does not have
		err = cmdutil.WithHint(err, "pass --kubeconfig or set KUBECONFIG; outside Kubernetes compare with a saved dump file or an admin URL (http://host:port)")
	}
	return in, err
}

// missingSourceHint is diff.MissingSourceHint without standard input, which ui cannot read.
const missingSourceHint = "give a config dump file, an admin URL (http://host:port), cp:<pod>, or a <pod>[.<namespace>]"

// diffs holds the latest comparison (the page asks for its list and then for one resource at a
// time): a big dump's takes seconds.
type diffs struct {
	read func(context.Context, string) (configdiff.Input, error)

	mu      sync.Mutex
	api     *uiapi.API // the read of the shown source it was made with
	against string
	h       http.Handler
}

// get returns the comparison of the shown source (a) with against, reading against and comparing
// unless that was the last one asked.
func (d *diffs) get(ctx context.Context, a *uiapi.API, against string) (http.Handler, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.api == a && d.against == against && d.h != nil {
		return d.h, nil
	}
	in, err := d.read(ctx, against)
	if err != nil {
		return nil, err
	}
	c, err := a.Diff(in)
	if err != nil {
		return nil, err
	}
	d.api, d.against, d.h = a, against, c.Handler()
	return d.h, nil
}

// diff answers /api/diff?against=SOURCE and /api/diff/{kind}/{name}?against=SOURCE.
func (s *server) diff(w http.ResponseWriter, r *http.Request) {
	reply := func(code int, err error) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		body := map[string]string{"error": err.Error()}
		if h := cmdutil.HintOf(err); h != "" {
			body["hint"] = h
		}
		_ = json.NewEncoder(w).Encode(body)
	}
	if s.diffs == nil {
		reply(http.StatusNotFound, errors.New("this server compares with nothing"))
		return
	}
	if r.Header.Get(diffHeader) == "" {
		reply(http.StatusForbidden, fmt.Errorf("a comparison needs the %s header (the page sends it; other sites cannot)", diffHeader))
		return
	}
	against := r.URL.Query().Get("against")
	if against == "" {
		reply(http.StatusBadRequest, errors.New("give the source to compare with: ?against=FILE, an admin URL, a pod or cp:<pod>"))
		return
	}
	if err := checkDiffSource(against); err != nil {
		reply(http.StatusBadRequest, fmt.Errorf("compare with %q: %w", against, err))
		return
	}
	h, err := s.diffs.get(r.Context(), s.cur.Load().api, against)
	if err != nil {
		reply(http.StatusUnprocessableEntity, fmt.Errorf("compare with %s: %w", against, err))
		return
	}
	h.ServeHTTP(w, r)
}
