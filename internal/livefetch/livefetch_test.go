package livefetch

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xdsctl/xdsctl/internal/admin"
	"github.com/xdsctl/xdsctl/internal/cmdutil"
	"github.com/xdsctl/xdsctl/internal/iostreams"
)

// fakeClient answers after delay, or fails with err; it tracks how many requests run at once
// across all the clients of a fakeResolver.
type fakeClient struct {
	name   string
	delay  time.Duration
	err    error
	r      *fakeResolver
	closed atomic.Bool
}

func (c *fakeClient) Get(ctx context.Context, path string) ([]byte, error) {
	n := c.r.inFlight.Add(1)
	defer c.r.inFlight.Add(-1)
	for {
		m := c.r.maxIn.Load()
		if n <= m || c.r.maxIn.CompareAndSwap(m, n) {
			break
		}
	}
	c.r.mu.Lock()
	c.r.calls = append(c.r.calls, c.name+" "+path)
	c.r.mu.Unlock()
	select {
	case <-time.After(c.delay):
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if c.err != nil {
		return nil, c.err
	}
	return []byte(c.name + path), nil
}

func (c *fakeClient) Post(ctx context.Context, path string) ([]byte, error) { return c.Get(ctx, path) }
func (c *fakeClient) Close() error                                          { c.closed.Store(true); return nil }

type fakeResolver struct {
	clients         []*fakeClient
	err             error
	inFlight, maxIn atomic.Int32
	mu              sync.Mutex
	calls           []string
}

func (r *fakeResolver) Resolve(context.Context, cmdutil.TargetQuery) ([]admin.Target, error) {
	if r.err != nil {
		return nil, r.err
	}
	var ts []admin.Target
	for _, c := range r.clients {
		c.r = r
		ts = append(ts, admin.Target{Name: c.name, Client: c})
	}
	return ts, nil
}

func pods(n int, delay time.Duration) *fakeResolver {
	r := &fakeResolver{}
	for i := 0; i < n; i++ {
		r.clients = append(r.clients, &fakeClient{name: fmt.Sprintf("pod-%02d.ns", i), delay: delay})
	}
	return r
}

func TestFetchConcurrencyAndOrder(t *testing.T) {
	r := pods(30, 20*time.Millisecond)
	r.clients[4].err = errors.New("refused")
	ios, _, _, _ := iostreams.Test()
	res, err := Fetch(context.Background(), ios, r, cmdutil.TargetQuery{}, []string{"/a", "/b"}, Options{Concurrency: 5})
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 30 {
		t.Fatalf("%d results", len(res))
	}
	for i, x := range res {
		if x.Target != r.clients[i].name {
			t.Fatalf("result %d is %s: the resolver's order is not kept", i, x.Target)
		}
		if i == 4 {
			if x.Err == nil || x.Err.Error() != "refused" || x.Bodies != nil {
				t.Errorf("failed target: %+v", x)
			}
			continue
		}
		if x.Err != nil || string(x.Bodies["/a"]) != x.Target+"/a" || string(x.Bodies["/b"]) != x.Target+"/b" {
			t.Errorf("target %s: %+v", x.Target, x)
		}
	}
	if m := r.maxIn.Load(); m != 5 {
		t.Errorf("%d targets read at once, want the bound, 5", m)
	}
	for _, c := range r.clients {
		if !c.closed.Load() {
			t.Errorf("%s not closed", c.name)
		}
	}
}

func TestDefaultConcurrency(t *testing.T) {
	r := pods(20, 20*time.Millisecond)
	ios, _, _, _ := iostreams.Test()
	if _, err := Fetch(context.Background(), ios, r, cmdutil.TargetQuery{}, []string{"/a"}, Options{}); err != nil {
		t.Fatal(err)
	}
	if m := r.maxIn.Load(); m != DefaultConcurrency {
		t.Errorf("%d at once, want %d", m, DefaultConcurrency)
	}
}

func TestFetchResolveError(t *testing.T) {
	want := errors.New("no kubeconfig")
	ios, _, _, _ := iostreams.Test()
	_, err := Fetch(context.Background(), ios, &fakeResolver{err: want}, cmdutil.TargetQuery{}, nil, Options{})
	if !errors.Is(err, want) {
		t.Fatalf("got %v", err)
	}
}

func TestFetchTimeoutPerTarget(t *testing.T) {
	// one slot, three targets that never answer: each gets its own --timeout from when its turn
	// comes, so each fails with a timeout of its own (none is starved by the others' delays)
	r := pods(3, time.Hour)
	r.clients[1].delay = 10 * time.Millisecond // this one answers in time, after the first timed out
	ios, _, _, _ := iostreams.Test()
	start := time.Now()
	res, err := Fetch(context.Background(), ios, r, cmdutil.TargetQuery{}, []string{"/a"}, Options{Concurrency: 1, Timeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 200*time.Millisecond || d > 2*time.Second {
		t.Fatalf("took %s, want about two timeouts", d)
	}
	if !errors.Is(res[0].Err, context.DeadlineExceeded) || res[1].Err != nil || !errors.Is(res[2].Err, context.DeadlineExceeded) {
		t.Errorf("results: %v / %v / %v", res[0].Err, res[1].Err, res[2].Err)
	}
}

func TestFetchCancel(t *testing.T) {
	r := pods(4, time.Hour)
	ios, _, _, _ := iostreams.Test()
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	_, err := Fetch(ctx, ios, r, cmdutil.TargetQuery{}, []string{"/a"}, Options{})
	if !errors.Is(err, context.Canceled) || time.Since(start) > 2*time.Second {
		t.Fatalf("got %v after %s, want context.Canceled at once", err, time.Since(start))
	}
	for _, c := range r.clients {
		if !c.closed.Load() {
			t.Errorf("%s not closed after Ctrl-C", c.name)
		}
	}
}

func TestProgress(t *testing.T) {
	cases := []struct {
		name     string
		tty      bool
		delay    time.Duration
		wantLine bool
	}{
		{"terminal, slow", true, 300 * time.Millisecond, true},
		{"terminal, fast", true, 0, false},
		{"not a terminal", false, 300 * time.Millisecond, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := pods(3, tc.delay)
			ios, _, _, errOut := iostreams.Test()
			ios.SetStderrTTY(tc.tty)
			_, err := Fetch(context.Background(), ios, r, cmdutil.TargetQuery{}, []string{"/a"}, Options{ProgressDelay: 100 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			got := errOut.String()
			if has := strings.Contains(got, "Reading 3 proxies: "); has != tc.wantLine {
				t.Fatalf("progress shown %v, want %v: %q", has, tc.wantLine, got)
			}
			if tc.wantLine && !strings.HasSuffix(got, "\r\033[K") {
				t.Errorf("progress line not erased at the end: %q", got)
			}
		})
	}
}

func TestWriteProgress(t *testing.T) {
	var b bytes.Buffer
	writeProgress(&b, 1, 0)
	writeProgress(&b, 12, 7)
	if want := "\r\033[KReading 1 proxy: 0 done\r\033[KReading 12 proxies: 7 done"; b.String() != want {
		t.Errorf("%q", b.String())
	}
}

func TestDo(t *testing.T) {
	r := pods(2, 0)
	ios, _, _, _ := iostreams.Test()
	res, err := Do(context.Background(), ios, r, cmdutil.TargetQuery{}, Options{}, func(ctx context.Context, c admin.Client) (map[string][]byte, error) {
		a, err := c.Post(ctx, "/logging?level=debug")
		if err != nil {
			return nil, err
		}
		return map[string][]byte{"x": a}, nil
	})
	if err != nil || len(res) != 2 || string(res[1].Bodies["x"]) != "pod-01.ns/logging?level=debug" {
		t.Fatalf("%+v %v", res, err)
	}
}
