package cmdutil

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

// ExitTerminated is the exit code after SIGTERM (128 + 15), as shells report it.
const ExitTerminated = 143

// SignalError is the cause of a context that NotifyContext cancelled: the signal that arrived.
type SignalError struct{ Signal os.Signal }

func (e *SignalError) Error() string { return fmt.Sprintf("received %s", e.Signal) }

// NotifyContext returns a context that is cancelled when SIGINT (Ctrl-C) or SIGTERM arrives, with
// a *SignalError as its cause, so Execute exits 130 or 143 as a shell reports a process ended by
// that signal. After the first signal the default handling is back: a second Ctrl-C ends xdsctl at
// once. stop releases the signal handling.
func NotifyContext(parent context.Context) (ctx context.Context, stop context.CancelFunc) {
	ctx, cancel := context.WithCancelCause(parent)
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case sig := <-ch:
			signal.Stop(ch)
			cancel(&SignalError{Signal: sig})
		case <-done:
		}
	}()
	return ctx, func() {
		signal.Stop(ch)
		select {
		case <-done:
		default:
			close(done)
		}
		cancel(context.Canceled)
	}
}

// interruptedCode is the exit code for a command whose context was cancelled: 143 after SIGTERM,
// else 130 (Ctrl-C, or a cancellation without a signal), and the word that says what happened.
func interruptedCode(ctx context.Context) (int, string) {
	var se *SignalError
	if errors.As(context.Cause(ctx), &se) && se.Signal == syscall.SIGTERM {
		return ExitTerminated, "terminated"
	}
	return ExitInterrupted, "interrupted"
}
