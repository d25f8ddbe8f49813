//go:build !unix

package launch

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"

	"github.com/xdsctl/xdsctl/internal/cmdutil"
)

var exeSuffix = map[bool]string{true: ".exe"}[runtime.GOOS == "windows"]

// execProgram runs the program as a child with xdsctl's streams and passes its exit status on.
func execProgram(path string, args []string) error {
	cmd := exec.Command(path, args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ee):
		return &cmdutil.ExitStatus{Code: ee.ExitCode()} // the program said why
	default:
		return fmt.Errorf("run %s: %w", path, err)
	}
}
