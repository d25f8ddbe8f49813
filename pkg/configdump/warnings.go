package configdump

import (
	"sort"
	"sync"
)

// Warnings collects messages for the user, each once however often it is met.
type Warnings struct {
	mu   sync.Mutex
	seen map[string]bool
	list []string
	keys []string // the key of each message of list
	// notes are said as notes rather than warnings: facts about the input, not problems.
	notes []string
}

// NewWarnings returns an empty collector.
func NewWarnings() *Warnings { return &Warnings{seen: map[string]bool{}} }

// Add records msg under key unless that key was seen already.
func (w *Warnings) Add(key, msg string) {
	if w == nil {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.seen[key] {
		return
	}
	w.seen[key] = true
	w.list = append(w.list, msg)
	w.keys = append(w.keys, key)
}

// List returns the messages, sorted so output is stable.
func (w *Warnings) List() []string {
	if w == nil {
		return nil
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	out := append([]string(nil), w.list...)
	sort.Strings(out)
	return out
}

// Merge adds the messages of from whose keys w has not seen yet (a reader's own warnings into the
// command's collector).
func (w *Warnings) Merge(from *Warnings) {
	if w == nil || from == nil || w == from {
		return
	}
	from.mu.Lock()
	keys, list := append([]string(nil), from.keys...), append([]string(nil), from.list...)
	notes := append([]string(nil), from.notes...)
	from.mu.Unlock()
	for i, m := range list {
		w.Add(keys[i], m)
	}
	for _, n := range notes {
		w.AddNote(n, n)
	}
}

// AddNote records a note (a fact about the input worth saying, not a problem) under key, once.
func (w *Warnings) AddNote(key, msg string) {
	if w == nil {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.seen["note:"+key] {
		return
	}
	w.seen["note:"+key] = true
	w.notes = append(w.notes, msg)
}

// Notes returns the notes, in the order they were added.
func (w *Warnings) Notes() []string {
	if w == nil {
		return nil
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.notes...)
}
