//go:build startup

// Command cobra is a start-up cost probe (see docs/performance.md): cobra with one command, as xdsctl's root without the Kubernetes flags
package main

import (
	"fmt"
	_ "github.com/spf13/cobra"
)

func main() { fmt.Println("ok") }
