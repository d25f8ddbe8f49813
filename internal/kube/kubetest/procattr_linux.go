package kubetest

import (
	"os/exec"
	"runtime"
	"sync"
	"syscall"
)

// procAttr makes a harness process die with the test binary (even on SIGKILL, or when
// `go test -timeout` panics it) and gives it its own process group, so Stop can end it and its
// children.
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
}

// Pdeathsig fires when the OS *thread* that started the child exits, not the process. Go may end
// a thread (e.g. after a goroutine that locked it returns), so every harness process is started
// from one goroutine locked to its thread for the life of the test binary.
var (
	spawnOnce sync.Once
	spawnReqs chan spawnReq
)

type spawnReq struct {
	cmd  *exec.Cmd
	done chan error
}

func startProcess(cmd *exec.Cmd) error {
	spawnOnce.Do(func() {
		spawnReqs = make(chan spawnReq)
		go func() {
			runtime.LockOSThread() // never unlocked: the thread lives as long as the process
			for r := range spawnReqs {
				r.done <- r.cmd.Start()
			}
		}()
	})
	done := make(chan error, 1)
	spawnReqs <- spawnReq{cmd: cmd, done: done}
	return <-done
}
