//go:build startup

// Command floorlive is a start-up cost probe (see docs/performance.md): floorpb plus live access without the typed clientset: clientcmd (kubectl flags), REST client, core/v1, port-forward
package main

import (
	"fmt"
	_ "github.com/itchyny/gojq"
	_ "github.com/spf13/cobra"
	_ "github.com/xdsctl/xdsctl/internal/envoydesc"
	_ "github.com/xdsctl/xdsctl/internal/jsonscan"
	_ "k8s.io/api/core/v1"
	_ "k8s.io/client-go/rest"
	_ "k8s.io/client-go/tools/clientcmd"
	_ "k8s.io/client-go/tools/portforward"
	_ "k8s.io/client-go/transport/spdy"
	_ "sigs.k8s.io/yaml"
	_ "text/tabwriter"
)

func main() { fmt.Println("ok") }
