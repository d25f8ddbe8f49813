//go:build startup

// Command clientcmd is a start-up cost probe (see docs/performance.md): client-go clientcmd only (kubeconfig loading and kubectl's override flags)
package main

import (
	"fmt"
	_ "k8s.io/client-go/tools/clientcmd"
)

func main() { fmt.Println("ok") }
