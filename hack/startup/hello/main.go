//go:build startup

// Command hello is a start-up cost probe (see docs/performance.md): a Go hello world
package main

import (
	"fmt"
)

func main() { fmt.Println("ok") }
