//go:build tools

// Package tools pins the dependencies that the project uses, so go mod tidy keeps them while packages are being written.
package tools

import (
	_ "github.com/envoyproxy/go-control-plane/pkg/server/v3"
	_ "github.com/itchyny/gojq"
	_ "github.com/olekukonko/tablewriter"
	_ "github.com/stretchr/testify/require"
	_ "golang.org/x/sync/errgroup"
	_ "google.golang.org/grpc"
	_ "k8s.io/client-go/kubernetes"
	_ "k8s.io/client-go/tools/portforward"
	_ "k8s.io/client-go/dynamic"
	_ "sigs.k8s.io/yaml"
)
