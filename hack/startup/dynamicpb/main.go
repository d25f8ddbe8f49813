//go:build startup

// Command dynamicpb is a start-up cost probe (see docs/performance.md): protobuf reflection for lazy descriptors (protodesc, dynamicpb, protojson)
package main

import (
	"fmt"
	_ "google.golang.org/protobuf/encoding/protojson"
	_ "google.golang.org/protobuf/reflect/protodesc"
	_ "google.golang.org/protobuf/types/dynamicpb"
)

func main() { fmt.Println("ok") }
