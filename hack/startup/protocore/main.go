//go:build startup

// Command protocore is a start-up cost probe (see docs/performance.md): protobuf runtime core only (proto, protoreflect, protowire)
package main

import (
	"fmt"
	_ "google.golang.org/protobuf/proto"
)

func main() { fmt.Println("ok") }
