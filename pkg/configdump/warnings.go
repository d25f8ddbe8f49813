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
