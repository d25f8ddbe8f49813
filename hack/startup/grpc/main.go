//go:build startup

// Command grpc is a start-up cost probe (see docs/performance.md): grpc-go core
package main

import (
	"fmt"
	_ "google.golang.org/grpc"
)

func main() { fmt.Println("ok") }
