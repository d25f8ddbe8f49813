//go:build startup

// Command yaml is a start-up cost probe (see docs/performance.md): sigs.k8s.io/yaml
package main

import (
	"fmt"
	_ "sigs.k8s.io/yaml"
)

func main() { fmt.Println("ok") }
