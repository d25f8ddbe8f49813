package uiapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
)

// Handler serves the API under /api/: GET only, JSON only.
//
//	/api/overview                  counts, problems, identity
//	/api/listeners                 every listener, one line each
//	/api/listener/{name}           its filter chains → route configuration or cluster
//	/api/routeconfig/{name}        virtual hosts → routes → clusters
//	/api/virtualhost/{rc}?name=    one virtual host's routes
//	/api/cluster/{name}            endpoints with health
//	/api/resource/{kind}/{name}    normalized JSON (secrets redacted)
//	/api/search?q=                 by name, port, domain or endpoint IP
//	/api/findings                  analyze's findings, and badges per resource
//	/api/trace?to=&host=&path=...  a request followed by the trace engine
//
// listener, routeconfig, virtualhost and cluster take ?offset=&limit=: a page of at most
// MaxChildren children (ParsePage).
//
// The comparison with a second source, /api/diff..., is Diff's Handler.
func (a *API) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/overview", func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, a.Overview()) })
	mux.HandleFunc("GET /api/listeners", func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, a.Listeners()) })
	mux.HandleFunc("GET /api/listener/{name...}", func(w http.ResponseWriter, r *http.Request) {
		paged(w, r, func(p Page) (ListenerDetail, error) { return a.ListenerPage(r.PathValue("name"), p) })
	})
	mux.HandleFunc("GET /api/routeconfig/{name...}", func(w http.ResponseWriter, r *http.Request) {
		paged(w, r, func(p Page) (RouteConfigDetail, error) { return a.RouteConfigPage(r.PathValue("name"), p) })
	})
	mux.HandleFunc("GET /api/virtualhost/{routeconfig...}", func(w http.ResponseWriter, r *http.Request) {
		paged(w, r, func(p Page) (VirtualHostOut, error) {
			return a.VirtualHostPage(r.PathValue("routeconfig"), r.URL.Query().Get("name"), p)
		})
	})
	mux.HandleFunc("GET /api/cluster/{name...}", func(w http.ResponseWriter, r *http.Request) {
		paged(w, r, func(p Page) (ClusterDetail, error) { return a.ClusterPage(r.PathValue("name"), p) })
	})
	mux.HandleFunc("GET /api/resource/{kind}/{name...}", func(w http.ResponseWriter, r *http.Request) {
		b, err := a.Resource(r.PathValue("kind"), r.PathValue("name"))
		if err != nil {
			writeError(w, err)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(b)
	})
	mux.HandleFunc("GET /api/search", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, a.Search(r.URL.Query().Get("q"))) })
	mux.HandleFunc("GET /api/findings", func(w http.ResponseWriter, _ *http.Request) { send[Findings](w)(a.Findings()) })
	mux.HandleFunc("GET /api/trace", func(w http.ResponseWriter, r *http.Request) {
		send[*TraceAnswer](w)(a.Trace(ParseTraceQuery(r.URL.Query())))
	})
	mux.HandleFunc("GET /api/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, fmt.Errorf("API endpoint %s %s: %w", r.Method, r.URL.Path, ErrNotFound))
	})
	return mux
}

func send[T any](w http.ResponseWriter) func(T, error) {
	return func(v T, err error) {
		if err != nil {
			writeError(w, err)
			return
		}
		writeJSON(w, v)
	}
}

func writeJSON(w http.ResponseWriter, v any) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		writeError(w, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(append(b, '\n'))
}

// writeError answers {"error": "..."}: 404 for what the dump does not hold or an unknown path,
// 400 for parameters that cannot be read, 500 otherwise.
func writeError(w http.ResponseWriter, err error) {
	code := http.StatusInternalServerError
	if errors.Is(err, ErrNotFound) {
		code = http.StatusNotFound
	} else if errors.Is(err, ErrBadRequest) {
		code = http.StatusBadRequest
	}
	b, _ := json.Marshal(map[string]string{"error": err.Error()})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_, _ = w.Write(append(b, '\n'))
}
