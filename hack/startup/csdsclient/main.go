//go:build startup

// Command csdsclient is a start-up cost probe (see docs/performance.md): a CSDS client: grpc + envoy/service/status/v3 generated stubs
package main

import (
	"fmt"
	_ "github.com/envoyproxy/go-control-plane/envoy/service/status/v3"
	_ "google.golang.org/grpc"
)

func main() { fmt.Println("ok") }
