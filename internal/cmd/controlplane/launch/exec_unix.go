//go:build unix

package launch

import (
	"fmt"
	"os"
	"syscall"
)

const exeSuffix = ""

// execProgram replaces xdsctl with the program: same process, streams, signals and exit code.
func execProgram(path string, args []string) error {
	if err := syscall.Exec(path, args, os.Environ()); err != nil {
		return fmt.Errorf("run %s: %w", path, err)
	}
	return nil
}
