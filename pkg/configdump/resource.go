package configdump

import (
	"github.com/xdsctl/xdsctl/internal/jsonscan"
)

// Resource states, as Envoy's admin API reports them.
const (
	StateStatic   = "STATIC"
	StateActive   = "ACTIVE"
	StateWarming  = "WARMING"
	StateDraining = "DRAINING"
	// StateError is a resource Envoy rejected on its first arrival and never had: only its
	// error_state is in the dump.
	StateError = "ERROR"
)

// Meta is what a config dump says about one resource besides the resource itself.
type Meta struct {
	State        string      `json:"state"`
	VersionInfo  string      `json:"versionInfo,omitempty"`
	LastUpdated  string      `json:"lastUpdated,omitempty"`
	ClientStatus string      `json:"clientStatus,omitempty"`
	Error        *ErrorState `json:"errorState,omitempty"`
}

// ErrorState is the last update Envoy rejected for a resource (a NACK).
type ErrorState struct {
	Details           string `json:"details"`
	LastUpdateAttempt string `json:"lastUpdateAttempt,omitempty"`
	VersionInfo       string `json:"versionInfo,omitempty"`
	// FailedName is the name of the rejected resource, from failed_configuration: the only place
	// a cluster, route configuration, ECDS filter or endpoint assignment that Envoy rejected on its
	// first arrival is named (their dump entries have no name field of their own).
	FailedName string `json:"failedName,omitempty"`
}

func readMeta(state string, entry jsonscan.Value) Meta {
	m := Meta{State: state}
	_ = entry.Fields(func(k []byte, v jsonscan.Value) bool {
		m.readField(k, v)
		return true
	})
	return m
}

// readField sets the field of m a dump entry's key k names (version_info, last_updated,
// client_status) and tells whether k was one.
func (m *Meta) readField(k []byte, v jsonscan.Value) bool {
	switch {
	case jsonscan.KeyIs(k, "version_info"):
		m.VersionInfo = v.Text()
	case jsonscan.KeyIs(k, "last_updated"):
		m.LastUpdated = v.Text()
	case jsonscan.KeyIs(k, "client_status"):
		m.ClientStatus = v.Text()
	default:
		return false
	}
	return true
}

func readErrorState(v jsonscan.Value) *ErrorState {
	if v.Kind() != jsonscan.Object {
		return nil
	}
	e := &ErrorState{}
	_ = v.Fields(func(k []byte, f jsonscan.Value) bool {
		switch {
		case jsonscan.KeyIs(k, "details"):
			e.Details = f.Text()
		case jsonscan.KeyIs(k, "last_update_attempt"):
			e.LastUpdateAttempt = f.Text()
		case jsonscan.KeyIs(k, "version_info"):
			e.VersionInfo = f.Text()
		case jsonscan.KeyIs(k, "failed_configuration"):
			e.FailedName = resourceName(f)
		}
		return true
	})
	return e
}

// dynamicEntry is one entry of a dynamic_* list: the resource in each state it is in. It is read
// for every resource of a dump, so it keeps its states in place instead of in maps.
type dynamicEntry struct {
	name   string
	states [3]stateEntry // in the order found
	n      int
	error  *ErrorState
}

type stateEntry struct {
	res  jsonscan.Value
	meta Meta
}

// dynamicItem is one resource of a dump list, as eachDynamic hands it over.
type dynamicItem struct {
	Entry jsonscan.Value // the list entry
	Res   jsonscan.Value // the resource; absent when Meta.State is StateError
	Meta  Meta
	Name  string // the entry's name, or the failed configuration's for StateError
}

// eachDynamic calls fn for each entry of list, a dump's list of resources of one kind in state
// (resKey as in readDynamic): with the resource in that state, or, for an entry Envoy rejected on
// its first arrival, with no resource and Meta{State: StateError}.
func eachDynamic(list jsonscan.Value, resKey, state string, fn func(dynamicItem)) error {
	return list.Items(func(_ int, e jsonscan.Value) bool {
		de := readDynamic(e, resKey, state)
		if de.errorOnly() {
			fn(dynamicItem{Entry: e, Meta: Meta{State: StateError, Error: de.error}, Name: de.name})
		} else if r, meta, ok := de.get(state); ok {
			fn(dynamicItem{Entry: e, Res: r, Meta: meta, Name: de.name})
		}
		return true
	})
}

// readDynamic reads an entry of a v3 dynamic list, where each entry holds the states of one
// resource: {"name", "active_state": {...}, "warming_state", "draining_state", "error_state"} for
// listeners, or {"version_info", "cluster", "last_updated", "error_state"} for the others.
// resKey is the field that holds the resource ("listener", "cluster", "route_config", ...); state
// is the state of a resource found there. One pass over the entry's fields.
func readDynamic(entry jsonscan.Value, resKey, state string) dynamicEntry {
	var d dynamicEntry
	var res jsonscan.Value
	top := Meta{State: state} // the entry's own version_info, last_updated, client_status
	_ = entry.Fields(func(k []byte, v jsonscan.Value) bool {
		switch {
		case jsonscan.KeyIs(k, "name"):
			d.name = v.Str()
		case jsonscan.KeyIs(k, "active_state"):
			d.addState(StateActive, v, resKey)
		case jsonscan.KeyIs(k, "warming_state"):
			d.addState(StateWarming, v, resKey)
		case jsonscan.KeyIs(k, "draining_state"):
			d.addState(StateDraining, v, resKey)
		case jsonscan.KeyIs(k, "error_state"):
			d.error = readErrorState(v)
		case top.readField(k, v):
		case jsonscan.KeyIs(k, resKey):
			res = v
		}
		return true
	})
	if res.Exists() {
		d.add(state, res, top)
	}
	if d.name == "" && d.error != nil {
		d.name = d.error.FailedName
	}
	for i := 0; i < d.n; i++ {
		if d.states[i].meta.Error == nil {
			d.states[i].meta.Error = d.error
		}
	}
	return d
}

func (d *dynamicEntry) addState(state string, v jsonscan.Value, resKey string) {
	if v.Kind() != jsonscan.Object {
		return
	}
	if r := v.Get(resKey); r.Exists() {
		d.add(state, r, readMeta(state, v))
	}
}

// add records the resource in state (a repeated state replaces the first).
func (d *dynamicEntry) add(state string, res jsonscan.Value, m Meta) {
	m.State = state
	for i := 0; i < d.n; i++ {
		if d.states[i].meta.State == state {
			d.states[i] = stateEntry{res, m}
			return
		}
	}
	if d.n < len(d.states) {
		d.states[d.n] = stateEntry{res, m}
		d.n++
	}
}

// get returns the resource in state and what the dump says about it.
func (d *dynamicEntry) get(state string) (jsonscan.Value, Meta, bool) {
	for i := 0; i < d.n; i++ {
		if d.states[i].meta.State == state {
			return d.states[i].res, d.states[i].meta, true
		}
	}
	return jsonscan.Value{}, Meta{}, false
}

// errorOnly tells whether an entry carries only an error_state: a resource Envoy rejected and never had.
func (d *dynamicEntry) errorOnly() bool { return d.n == 0 && d.error != nil }

// resourceName is the name of a resource in an Any (failed_configuration): "name", or for an
// endpoint assignment "cluster_name".
func resourceName(v jsonscan.Value) string {
	if v.Kind() != jsonscan.Object {
		return ""
	}
	if n := v.Get("name"); n.Exists() {
		return n.Str()
	}
	return v.Get("cluster_name").Str()
}
