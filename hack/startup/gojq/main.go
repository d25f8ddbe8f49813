//go:build startup

// Command gojq is a start-up cost probe (see docs/performance.md): gojq
package main

import (
	"fmt"
	_ "github.com/itchyny/gojq"
)

func main() { fmt.Println("ok") }
