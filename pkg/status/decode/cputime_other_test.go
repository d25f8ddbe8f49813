//go:build !unix

package decode

import "time"

// cpuTime is not measured off unix: cpu-ms/op reads 0.
func cpuTime() time.Duration { return 0 }
