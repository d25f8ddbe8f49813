//go:build startup

// Command corev1rest is a start-up cost probe (see docs/performance.md): client-go REST client with only core/v1 types
package main

import (
	"fmt"
	_ "k8s.io/api/core/v1"
	_ "k8s.io/client-go/rest"
	_ "k8s.io/client-go/tools/portforward"
	_ "k8s.io/client-go/transport/spdy"
)

func main() { fmt.Println("ok") }
