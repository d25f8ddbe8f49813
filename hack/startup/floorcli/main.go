//go:build startup

// Command floorcli is a start-up cost probe (see docs/performance.md): what an offline xdsctl needs: cobra, gojq, sigs.k8s.io/yaml, tabwriter, the lazy scanner
package main

import (
	"fmt"
	_ "github.com/itchyny/gojq"
	_ "github.com/spf13/cobra"
	_ "github.com/xdsctl/xdsctl/internal/jsonscan"
	_ "sigs.k8s.io/yaml"
	_ "text/tabwriter"
)

func main() { fmt.Println("ok") }
