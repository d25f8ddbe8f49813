//go:build startup

// Command genericclioptions is a start-up cost probe (see docs/performance.md): cli-runtime genericclioptions (kubectl ConfigFlags)
package main

import (
	"fmt"
	_ "k8s.io/cli-runtime/pkg/genericclioptions"
)

func main() { fmt.Println("ok") }
