package cmdutil

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/spf13/cobra"
)

// The tests below run this test binary again as a small program (envChild names what it does), so
// that real signals, pipes and /dev/full reach a process that ends through Execute as xdsctl does.
const envChild = "XDSCTL_CMDUTIL_TEST_CHILD"

func TestMain(m *testing.M) {
	if mode := os.Getenv(envChild); mode != "" {
		os.Exit(child(mode))
	}
	os.Exit(m.Run())
}

// child is a program with a command that waits for a signal ("wait"), one that writes without end
// ("flood"), and cobra's help.
func child(mode string) int {
	ctx, stop := NotifyContext(context.Background())
	defer stop()
	root := &cobra.Command{Use: "prog", SilenceErrors: true, SilenceUsage: true}
	root.AddCommand(&cobra.Command{Use: "wait", RunE: func(c *cobra.Command, _ []string) error {
		fmt.Fprintln(os.Stderr, "ready")
		<-c.Context().Done()
		return c.Context().Err()
	}})
	root.AddCommand(&cobra.Command{Use: "print", RunE: func(*cobra.Command, []string) error {
		_, err := os.Stdout.Write([]byte("a table\n"))
		return err
	}})
	root.AddCommand(&cobra.Command{Use: "flood", RunE: func(*cobra.Command, []string) error {
		line := []byte(strings.Repeat("x", 1023) + "\n")
		for {
			if _, err := os.Stdout.Write(line); err != nil {
				return err
			}
		}
	}})
	root.SetOut(os.Stdout)
	return Execute(ctx, root, os.Stderr, strings.Fields(mode))
}

func childCmd(t *testing.T, mode string) *exec.Cmd {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("Unix signals and pipes")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), envChild+"="+mode)
	return cmd
}

// TestSignalExitCodes: SIGINT exits 130 and SIGTERM 143 (128 + the signal), with one line saying so.
func TestSignalExitCodes(t *testing.T) {
	for _, tc := range []struct {
		sig  syscall.Signal
		code int
		msg  string
	}{
		{syscall.SIGINT, ExitInterrupted, "Error: interrupted\n"},
		{syscall.SIGTERM, ExitTerminated, "Error: terminated\n"},
	} {
		t.Run(tc.sig.String(), func(t *testing.T) {
			cmd := childCmd(t, "wait")
			stderr, err := cmd.StderrPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			r := bufio.NewReader(stderr)
			if l, err := r.ReadString('\n'); l != "ready\n" {
				t.Fatalf("child said %q, %v", l, err)
			}
			start := time.Now()
			_ = cmd.Process.Signal(tc.sig)
			var rest bytes.Buffer
			_, _ = rest.ReadFrom(r)
			err = cmd.Wait()
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != tc.code {
				t.Fatalf("exit %v, want code %d", err, tc.code)
			}
			if rest.String() != tc.msg {
				t.Errorf("stderr %q, want %q", rest.String(), tc.msg)
			}
			if took := time.Since(start); took > time.Second {
				t.Errorf("exited %s after the signal", took)
			}
		})
	}
}

// TestBrokenPipe: output into a pipe whose reader has gone (`xdsctl ... | head -1`) ends the process
// by SIGPIPE, silently, as for other Unix tools (a shell reports 141).
func TestBrokenPipe(t *testing.T) {
	cmd := childCmd(t, "flood")
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = w, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	line, _ := bufio.NewReader(r).ReadString('\n')
	r.Close() // as head does after its line
	err = cmd.Wait()
	var ee *exec.ExitError
	if len(line) != 1024 || !errors.As(err, &ee) {
		t.Fatalf("read %d bytes; exit %v", len(line), err)
	}
	ws, ok := ee.Sys().(syscall.WaitStatus)
	if !ok || !ws.Signaled() || ws.Signal() != syscall.SIGPIPE {
		t.Fatalf("exit %v, want the end by SIGPIPE", err)
	}
	if stderr.Len() != 0 {
		t.Errorf("stderr %q, want nothing", stderr.String())
	}
}

// TestHelpToFullDevice: `--help > /dev/full` fails with exit 1 and says why, rather than print
// nothing and exit 0.
func TestHelpToFullDevice(t *testing.T) {
	full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		t.Skip("no /dev/full")
	}
	defer full.Close()
	for _, mode := range []string{"--help", "print"} { // cobra's output, a command's own
		cmd := childCmd(t, mode)
		var stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = full, &stderr
		err = cmd.Run()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != ExitError {
			t.Fatalf("%s: exit %v, want %d", mode, err, ExitError)
		}
		if want := "Error: write standard output: no space left on device\n"; stderr.String() != want {
			t.Errorf("%s: stderr %q, want %q", mode, stderr.String(), want)
		}
	}
}
