package ui

import (
	"embed"
	"encoding/json"
	"io/fs"
	"net/http"
)

// assets is the page's script: built from web/ by `npm run build` (see web/build.mjs) and
// committed, so that building xdsctl needs no npm. TestAssetsMatchSources checks it matches web/'s
// sources. The page's HTML, CSS and icon are embedded from web/src as they are.
//
//go:embed assets web/src/index.html web/src/style.css web/src/favicon.svg
var assets embed.FS

// page is what the page's server serves: the built files of assets/, then the static ones of
// web/src.
type page struct{}

func (page) Open(name string) (fs.File, error) {
	if name == "." {
		return assets.Open("assets")
	}
	f, err := assets.Open("assets/" + name)
	if err != nil {
		f, err = assets.Open("web/src/" + name)
	}
	return f, err
}

// refreshHeader must be on a refresh request: a custom header makes a browser ask first (CORS
// preflight) before another site's page could send it, and the server never allows that.
const refreshHeader = "X-Xdsctl-Refresh"

func (s *server) handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /", http.FileServerFS(page{}))
	mux.HandleFunc("POST /api/refresh", s.refresh)
	mux.HandleFunc("GET /api/diff", s.diff)
	mux.HandleFunc("GET /api/diff/", s.diff)
	mux.HandleFunc("GET /api/", func(w http.ResponseWriter, r *http.Request) { s.cur.Load().h.ServeHTTP(w, r) })
	return s.guard(mux)
}

// guard refuses requests whose Host header is not the printed one (a page of another site whose
// name was made to resolve to 127.0.0.1, DNS rebinding, sends its own name), and sets headers
// that keep the page from being framed or loading anything from elsewhere.
func (s *server) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Host != s.host {
			http.Error(w, "xdsctl ui answers only requests for "+s.host, http.StatusMisdirectedRequest)
			return
		}
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}

// refresh reads a live source again; a file or the demo cannot be.
func (s *server) refresh(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	reply := func(code int, v any) {
		w.WriteHeader(code)
		_ = json.NewEncoder(w).Encode(v)
	}
	if r.Header.Get(refreshHeader) == "" {
		reply(http.StatusForbidden, map[string]string{"error": "a refresh needs the " + refreshHeader + " header"})
		return
	}
	if !s.live {
		reply(http.StatusConflict, map[string]string{"error": "this source is a saved dump: nothing to refresh"})
		return
	}
	s.refreshMu.Lock()
	defer s.refreshMu.Unlock()
	a, err := s.load(r.Context())
	if err != nil {
		reply(http.StatusBadGateway, map[string]string{"error": err.Error()})
		return
	}
	s.store(a)
	reply(http.StatusOK, a.Overview())
}
