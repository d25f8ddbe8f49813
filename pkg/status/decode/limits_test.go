package decode

import (
	"bytes"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/xdsctl/xdsctl/pkg/status"
)

// TestHostileAnswers: an answer of tiny entries, within --max-response, stops at MaxEntries (and
// keeps a bounded number of warnings) instead of growing a few KB per entry into gigabytes.
func TestHostileAnswers(t *testing.T) {
	many := func(unit []byte, n int) []byte { return bytes.Repeat(unit, n) }
	for _, tc := range []struct {
		name   string
		decode func() (*status.Report, error)
		err    string
	}{
		{"CSDS of empty client configs", func() (*status.Report, error) { return DecodeClientStatus(many([]byte{0x0a, 0x00}, 4<<20), "cp") },
			"decode CSDS response: the answer lists more than 100000 client configs, more than any control plane serves"},
		{"CSDS of one-letter node ids", func() (*status.Report, error) {
			return DecodeClientStatus(many([]byte{0x0a, 0x05, 0x0a, 0x03, 0x0a, 0x01, 'a'}, 1<<20), "cp")
		}, "decode CSDS response: the answer lists more than 100000 client configs, more than any control plane serves"},
		{"syncz of empty resources", func() (*status.Report, error) { return DecodeSyncz(many([]byte{0x12, 0x00}, 4<<20), "cp") },
			"decode syncz response: decode DiscoveryResponse: the answer lists more than 100000 resources, more than any control plane serves"},
		{"legacy syncz of empty objects", func() (*status.Report, error) {
			return DecodeSynczLegacyJSON([]byte("["+strings.Repeat("{},", 1<<20)+"{}]"), "cp")
		}, "decode syncz body: the answer lists more than 100000 entries, more than any control plane serves"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			_, err := tc.decode()
			runtime.ReadMemStats(&after)
			var tm *TooManyError
			if !errors.As(err, &tm) || err.Error() != tc.err {
				t.Fatalf("error %v\nwant %s", err, tc.err)
			}
			if a := after.TotalAlloc - before.TotalAlloc; a > 1<<30 {
				t.Errorf("allocated %d MiB", a>>20)
			}
		})
	}
	// within the bound, warnings are capped
	r, err := DecodeClientStatus(many([]byte{0x0a, 0x00}, 1000), "cp")
	if err != nil || len(r.Warnings) != status.MaxWarnings+1 || r.Warnings[status.MaxWarnings] != fmt.Sprintf("%d more warnings like these", 1000-status.MaxWarnings) {
		t.Fatalf("%v: %d warnings, last %q", err, len(r.Warnings), r.Warnings[len(r.Warnings)-1])
	}
	if _, err := DecodeSynczLegacyJSON([]byte(`[] x`), "cp"); err == nil || err.Error() != "decode syncz body: more than one JSON value" {
		t.Errorf("trailing bytes: %v", err)
	}
	if _, err := DecodeSynczLegacyJSON([]byte(`{"a":1}`), "cp"); err == nil || err.Error() != "decode syncz body: want a JSON array, got an object" {
		t.Errorf("object: %v", err)
	}
}
