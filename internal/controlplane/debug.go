package controlplane

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	statusv3 "github.com/envoyproxy/go-control-plane/envoy/service/status/v3"

	"github.com/xdsctl/xdsctl/internal/controlplane/tracker"
	"github.com/xdsctl/xdsctl/internal/controlplane/xdsres"
)

// DebugHandler serves the control plane's views over plain HTTP (no gRPC client needed):
//
//	GET /debug/syncz                      per node and type: status, nonces, versions, errors (JSON)
//	GET /debug/csds[?node=ID]             the CSDS ClientStatusResponse (protojson)
//	GET /debug/config_dump?node=ID[&include_eds]
//	                                      what the control plane sent to node ID, as an Envoy
//	                                      admin ConfigDump, to diff against the proxy's /config_dump
func (s *Server) DebugHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /debug/syncz", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, Syncz(s.tracker.Conns()))
	})
	mux.HandleFunc("GET /debug/csds", func(w http.ResponseWriter, r *http.Request) {
		req := &statusv3.ClientStatusRequest{}
		if id := r.URL.Query().Get("node"); id != "" {
			req = NodeRequest(id)
		}
		resp, err := ClientStatus(s.tracker, req)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		b, err := xdsres.MarshalJSON(resp)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(b)
	})
	mux.HandleFunc("GET /debug/config_dump", func(w http.ResponseWriter, r *http.Request) {
		id := r.URL.Query().Get("node")
		if id == "" {
			http.Error(w, "give ?node=<node id>", http.StatusBadRequest)
			return
		}
		c, ok := s.tracker.Node(id)
		if !ok {
			http.Error(w, fmt.Sprintf("node %q is not connected", id), http.StatusNotFound)
			return
		}
		_, eds := r.URL.Query()["include_eds"]
		b, err := xdsres.MarshalJSON(c.Dump().ConfigDump(eds))
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(b)
	})
	return mux
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

// SyncNode is one connection in /debug/syncz.
type SyncNode struct {
	Node      string     `json:"node"`
	StreamID  int64      `json:"streamId"`
	Delta     bool       `json:"delta"`
	Connected time.Time  `json:"connected"`
	Types     []SyncType `json:"types"`
}

// SyncType is one type of one connection in /debug/syncz.
type SyncType struct {
	Type         string           `json:"type"`
	Status       string           `json:"status"`
	VersionSent  string           `json:"versionSent,omitempty"`
	VersionAcked string           `json:"versionAcked,omitempty"`
	NonceSent    string           `json:"nonceSent,omitempty"`
	NonceAcked   string           `json:"nonceAcked,omitempty"`
	LastSent     *time.Time       `json:"lastSent,omitempty"`
	Error        string           `json:"error,omitempty"`
	Resources    int              `json:"resources"`
	Counters     tracker.Counters `json:"counters"`
}

// Syncz is the JSON view of the tracker served at /debug/syncz.
func Syncz(conns []tracker.Conn) []SyncNode {
	out := make([]SyncNode, 0, len(conns))
	for _, c := range conns {
		n := SyncNode{Node: c.NodeID, StreamID: c.StreamID, Delta: c.Delta, Connected: c.ConnectedAt.UTC()}
		for _, t := range c.Types {
			st := SyncType{
				Type: xdsres.ShortName(t.TypeURL), Status: tracker.Label(t.Status),
				VersionSent: t.VersionSent, VersionAcked: t.VersionAcked, NonceSent: t.NonceSent, NonceAcked: t.NonceAcked,
				Error: t.Error, Resources: len(t.Resources), Counters: t.Counters,
			}
			if !t.LastSent.IsZero() {
				ls := t.LastSent.UTC()
				st.LastSent = &ls
			}
			n.Types = append(n.Types, st)
		}
		out = append(out, n)
	}
	return out
}
