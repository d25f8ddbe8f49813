//go:build startup

// Command floorpb is a start-up cost probe (see docs/performance.md): floorcli plus the lazy Envoy descriptor set (protobuf reflection, protodesc, dynamicpb)
package main

import (
	"fmt"
	_ "github.com/itchyny/gojq"
	_ "github.com/spf13/cobra"
	_ "github.com/xdsctl/xdsctl/internal/envoydesc"
	_ "github.com/xdsctl/xdsctl/internal/jsonscan"
	_ "sigs.k8s.io/yaml"
	_ "text/tabwriter"
)

func main() { fmt.Println("ok") }
