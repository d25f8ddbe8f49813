//go:build startup

// Command gcpserver is a start-up cost probe (see docs/performance.md): go-control-plane server/v3 + cache/v3 (the bundled control plane)
package main

import (
	"fmt"
	_ "github.com/envoyproxy/go-control-plane/pkg/cache/v3"
	_ "github.com/envoyproxy/go-control-plane/pkg/server/v3"
)

func main() { fmt.Println("ok") }
