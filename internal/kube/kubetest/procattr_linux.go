package kubetest

import "syscall"

// procAttr makes a harness process die with the test binary (even on SIGKILL) and gives it its
// own process group, so Stop can end it and its children.
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
}
