package controlplane

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/xdsctl/xdsctl/internal/controlplane/snapshot"
)

// Watch reloads path when its content changed (a file, or the snapshot files of a directory),
// polling every interval: a valid file is pushed; an invalid one is reported on the log and the
// last good snapshot keeps serving. A change is reloaded once the content stayed the same for
// one more interval, so a file caught half-written by an editor is not reported. It returns
// when ctx is done.
func (s *Server) Watch(ctx context.Context, path string, interval time.Duration) {
	last := fingerprint(path)
	pending := ""
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		fp := fingerprint(path)
		switch {
		case fp == last:
			pending = ""
		case fp != pending:
			pending = fp // changed: wait one interval for it to settle
		default:
			last, pending = fp, ""
			_ = s.Reload(path)
		}
	}
}

// Reload loads path and pushes it if it is valid and differs from what is served. It reports
// the outcome on the server's log and returns the load error, if any: an invalid file changes
// nothing, the last good snapshot keeps serving.
func (s *Server) Reload(path string) error {
	cfg, err := snapshot.Load(path)
	if err != nil {
		fmt.Fprintf(s.log, "reload rejected, still serving the last good snapshot: %v\n", err)
		return err
	}
	cur := s.Config()
	if cfg.Equal(cur) {
		return nil
	}
	if cfg.Version != "" && cfg.Version == cur.Version {
		cfg.Revision = cfg.Fingerprint()
		fmt.Fprintf(s.log, "note: %s changed but its version %q did not; serving it as version %q so clients see the change\n", path, cfg.Version, cfg.Version+"+"+cfg.Revision)
	}
	if err := s.Push(cfg); err != nil {
		fmt.Fprintf(s.log, "push %q: %v\n", path, err)
		return err
	}
	fmt.Fprintf(s.log, "pushed %s\n", Describe(cfg))
	return nil
}

// Describe summarises a config in one line: its source, version and resource counts.
func Describe(cfg *snapshot.Config) string {
	n := 0
	for _, rs := range cfg.Default {
		n += len(rs)
	}
	v := cfg.Version
	switch {
	case v == "":
		v = "content hash per type"
	case cfg.Revision != "":
		v += "+" + cfg.Revision
	}
	return fmt.Sprintf("%q (version %s, %s, %s)", cfg.Source, v, plural(n, "shared resource"), plural(len(cfg.Nodes), "node with its own resources"))
}

// fingerprint hashes the snapshot file(s) at path; "" if unreadable.
func fingerprint(path string) string {
	h := sha256.New()
	files := []string{path}
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		entries, err := os.ReadDir(path)
		if err != nil {
			return ""
		}
		files = files[:0]
		for _, e := range entries {
			files = append(files, filepath.Join(path, e.Name()))
		}
		sort.Strings(files)
	}
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			continue
		}
		fmt.Fprintf(h, "%s\x00", f)
		_, _ = io.Copy(h, fh)
		fh.Close()
	}
	return fmt.Sprintf("%x", h.Sum(nil))
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	if base, rest, ok := strings.Cut(what, " with its "); ok {
		return fmt.Sprintf("%d %ss with their %s", n, base, rest)
	}
	return fmt.Sprintf("%d %ss", n, what)
}
