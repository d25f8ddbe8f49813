//go:build startup

// Command kubeclient is a start-up cost probe (see docs/performance.md): client-go typed clientset and port-forward (what internal/kube links)
package main

import (
	"fmt"
	_ "k8s.io/client-go/kubernetes"
	_ "k8s.io/client-go/tools/portforward"
	_ "k8s.io/client-go/transport/spdy"
)

func main() { fmt.Println("ok") }
