package proxystatus

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xdsctl/xdsctl/internal/xdsclient/istiodemu"
	"github.com/xdsctl/xdsctl/pkg/render"
)

// watchScript drives --watch: before refresh n (from 1) it runs steps[n-1], and after the last step
// it ends the watch as Ctrl-C would.
func watchScript(h *harness, steps ...func()) {
	ctx, cancel := context.WithCancel(context.Background())
	h.ctx = ctx
	n := 0
	h.after = func(time.Duration) <-chan time.Time {
		ch := make(chan time.Time, 1)
		if n < len(steps) {
			steps[n]()
			n++
			ch <- t0
		} else {
			cancel()
		}
		return ch
	}
}

// reviewsAcked is replica A after the reviews sidecar ACKed its listeners and routes.
func reviewsAcked() []istiodemu.Proxy {
	ps := replicaA()
	ps[0].Watches[istiodemu.LDS] = synced(time.Second)
	ps[0].Watches[istiodemu.RDS] = synced(time.Second)
	return ps
}

func TestWatchPlain(t *testing.T) {
	cl := istioCluster(t, istiodemu.Options{})
	h := newHarness(t, cl)
	watchScript(h,
		func() {}, // refresh 2: nothing changed but ages
		func() { cl.istiod["istiod-7d4-a"].SetProxies(reviewsAcked()) },
		func() {}, // refresh 4: no change
	)
	stdout, stderr, code := h.run("--plaintext", "-w", "-n", "bookinfo")
	assert.Equal(t, 0, code, "Ctrl-C ends a watch without an error")
	assert.Empty(t, stderr)
	assert.Equal(t, 2, strings.Count(stdout, "NAME "), "a table per change, not per refresh:\n%s", stdout)
	assertGolden(t, stdout, "watch/plain")
}

func TestWatchTTY(t *testing.T) {
	cl := istioCluster(t, istiodemu.Options{})
	h := newHarness(t, cl)
	h.ios.SetStdoutTTY(true) // a terminal, but the test streams have NO_COLOR: no highlighting
	watchScript(h, func() { cl.istiod["istiod-7d4-a"].SetProxies(reviewsAcked()) })
	stdout, _, code := h.run("--plaintext", "-w", "--interval", "5s", "-l", "app=reviews")
	assert.Equal(t, 0, code)
	assert.Equal(t, 2, strings.Count(stdout, clearScreen), "the screen is redrawn every refresh")
	assert.NotContains(t, stdout, reverse)
	assertGolden(t, stdout, "watch/tty-no-color")
}

func TestWatchErrors(t *testing.T) {
	t.Run("the first refresh fails: an error", func(t *testing.T) {
		h := newHarness(t, &fakeCluster{})
		watchScript(h)
		_, stderr, code := h.run("-w")
		assert.Equal(t, 1, code)
		assert.Contains(t, stderr, "no istiod pods")
	})
	t.Run("a later refresh fails: a warning, and it goes on", func(t *testing.T) {
		cl := istioCluster(t, istiodemu.Options{})
		h := newHarness(t, cl)
		watchScript(h,
			func() { cl.istiod["istiod-7d4-a"].Stop(); cl.istiod["istiod-7d4-b"].Stop() },
		)
		stdout, stderr, code := h.run("--plaintext", "-w")
		assert.Equal(t, 0, code)
		assert.Equal(t, 1, strings.Count(stdout, "NAME "))
		assert.Contains(t, stderr, "connection refused; trying again in 2s")
	})
}

func TestHighlight(t *testing.T) {
	prev := &frame{headers: []string{"NAME", "CDS", "CONTROL PLANE"}, rows: [][]string{
		{"a.ns", "SYNCED (5m)", "istiod-1"},
		{"b.ns", "STALE (2s)", "istiod-1"},
	}}
	cur := &frame{headers: prev.headers, rows: [][]string{
		{"a.ns", "SYNCED (6m)", "istiod-1"}, // only the age moved
		{"b.ns", "SYNCED (1s)", "istiod-1"}, // state changed
		{"c.ns", "SYNCED (1s)", "istiod-2"}, // new
	}}
	marks := changed(prev, cur)
	assert.Equal(t, [][]bool{{false, false, false}, {false, true, false}, {true, true, true}}, marks)
	var b bytes.Buffer
	require.NoError(t, writeHighlighted(&b, cur, marks, false, true))
	assert.Equal(t, "NAME     CDS             CONTROL PLANE\n"+
		"a.ns     SYNCED (6m)     istiod-1\n"+
		"b.ns     "+reverse+"SYNCED (1s)"+resetStyle+"     istiod-1\n"+
		reverse+"c.ns"+resetStyle+"     "+reverse+"SYNCED (1s)"+resetStyle+"     "+reverse+"istiod-2"+resetStyle+"\n", b.String())

	t.Run("without marks it is render.Table, byte for byte", func(t *testing.T) {
		for _, noHeaders := range []bool{false, true} {
			var got, want bytes.Buffer
			require.NoError(t, writeHighlighted(&got, cur, changed(nil, cur), noHeaders, true))
			require.NoError(t, (&render.Table{Headers: cur.headers, Rows: cur.rows, Padding: 5, NoHeaders: noHeaders}).Write(&want))
			assert.Equal(t, want.String(), got.String())
		}
	})
	t.Run("unicode widths", func(t *testing.T) {
		f := &frame{headers: []string{"NAME", "X"}, rows: [][]string{{"ünï", "1"}, {"ab", "2"}}}
		var got, want bytes.Buffer
		require.NoError(t, writeHighlighted(&got, f, changed(nil, f), false, false))
		require.NoError(t, (&render.Table{Headers: f.headers, Rows: f.rows, Padding: 5}).Write(&want))
		assert.Equal(t, want.String(), got.String())
	})
}

// TestChangedNACKLines: a proxy's further NACK lines are matched with its own lines of the last
// refresh, not with another proxy's.
func TestChangedNACKLines(t *testing.T) {
	h := []string{"NAME", "CONTROL PLANE", "NACK"}
	prev := &frame{headers: h, rows: [][]string{{"a", "cp", "LDS x: 1"}, {"", "", "LDS y: 2"}, {"b", "cp", "LDS x: 1"}, {"", "", "LDS z: 3"}}}
	cur := &frame{headers: h, rows: [][]string{{"a", "cp", "LDS x: 1"}, {"", "", "LDS y: 2"}, {"b", "cp", "LDS x: 1"}, {"", "", "LDS w: 4"}}}
	marks := changed(prev, cur)
	assert.Equal(t, []bool{false, false, false}, marks[1], "a's second line is unchanged")
	assert.Equal(t, []bool{true, true, true}, marks[3], "b's second line is new")
}

func TestCutLastColumn(t *testing.T) {
	f := &frame{headers: []string{"NAME", "NACK"}, rows: [][]string{{"a", "LDS x: a long message"}, {"", "short"}}}
	got := cutLastColumn(f, false, 20) // NACK starts at 4+5 = 9: 11 runes of room
	assert.Equal(t, [][]string{{"a", "LDS x: a l…"}, {"", "short"}}, got.rows)
	assert.Equal(t, "LDS x: a long message", f.rows[0][1], "the frame compared with the next refresh keeps the whole text")
	assert.Same(t, f, cutLastColumn(f, false, 0))
}
