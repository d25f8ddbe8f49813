package cmdutil

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/spf13/pflag"
)

// DefaultMaxResponse is --max-response's default: room for the largest real config dumps (a few
// hundred MB) with a margin, and a bound on what a broken or hostile proxy or control plane can
// make xdsctl hold (about twice this, at the peak).
const DefaultMaxResponse = 1 << 30

// MaxResponseFlag is the flag that bounds what xdsctl reads from a proxy or control plane.
const MaxResponseFlag = "max-response"

// AddMaxResponseFlag binds --max-response to p (default DefaultMaxResponse). Every command that
// fetches from a live proxy or control plane has it (AddLiveSourceFlags adds it).
func AddMaxResponseFlag(fs *pflag.FlagSet, p *int64) {
	*p = DefaultMaxResponse
	fs.Var((*byteSize)(p), MaxResponseFlag, "Refuse an answer from a proxy or control plane larger than this `size` (e.g. 512Mi, 2Gi)")
}

// ValidateMaxResponse checks --max-response's value.
func ValidateMaxResponse(n int64) error {
	if n <= 0 {
		return FlagErrorf("--%s must be positive, got %d", MaxResponseFlag, n)
	}
	return nil
}

// byteSize is a flag value in bytes, written as a number with an optional unit: Ki, Mi, Gi
// (powers of 1024; KiB, MiB, GiB too), K, M, G (powers of 1000; KB, MB, GB too), or none (bytes).
type byteSize int64

var units = []struct {
	suffix string
	mult   int64
}{
	{"kib", 1 << 10}, {"mib", 1 << 20}, {"gib", 1 << 30},
	{"ki", 1 << 10}, {"mi", 1 << 20}, {"gi", 1 << 30},
	{"kb", 1e3}, {"mb", 1e6}, {"gb", 1e9},
	{"k", 1e3}, {"m", 1e6}, {"g", 1e9},
	{"b", 1},
}

// ParseByteSize reads a size as --max-response takes it: 1073741824, 512Mi, 2GiB, 100M.
func ParseByteSize(s string) (int64, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	mult := int64(1)
	for _, u := range units {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%q is not a size: give bytes, or a number with Ki, Mi or Gi (e.g. 512Mi)", s)
	}
	if n > math.MaxInt64/mult {
		return 0, fmt.Errorf("%q is too large", s)
	}
	return n * mult, nil
}

func (b *byteSize) Set(s string) error {
	n, err := ParseByteSize(s)
	if err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("the size must be positive")
	}
	*b = byteSize(n)
	return nil
}

func (b *byteSize) Type() string { return "size" }

func (b *byteSize) String() string { return FormatByteSize(int64(*b)) }

// FormatByteSize writes n as --max-response takes it: 1Gi, 8Mi, 64Ki, or bytes.
func FormatByteSize(n int64) string {
	switch {
	case n > 0 && n%(1<<30) == 0:
		return fmt.Sprintf("%dGi", n>>30)
	case n > 0 && n%(1<<20) == 0:
		return fmt.Sprintf("%dMi", n>>20)
	case n > 0 && n%(1<<10) == 0:
		return fmt.Sprintf("%dKi", n>>10)
	}
	return strconv.FormatInt(n, 10)
}
