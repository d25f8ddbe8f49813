package kube

import (
	"errors"
	"fmt"
	"net/url"
	"os"

	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/xdsctl/xdsctl/internal/cmdutil"
)

// Config is kubectl's configuration as the flags select it: the one place xdsctl loads a
// kubeconfig (the target resolver, describe and proxy-status all come here), so every command
// words its errors alike and names what the user gave.
type Config struct {
	REST      *rest.Config
	Namespace string // the context's namespace, or -n
}

// NoConfigHint is the hint when there is no Kubernetes configuration; each command says what it
// can do without one (alternatives, e.g. "for an Envoy outside Kubernetes use --admin URL").
func noConfigHint(alternatives string) string {
	h := "pass --kubeconfig or set KUBECONFIG"
	if alternatives != "" {
		h += "; " + alternatives
	}
	return h
}

// LoadConfig reads the configuration kubectl's flags name. alternatives completes the hint when
// there is none. It fails, naming what was looked at, when there is no kubeconfig, no --server
// and no in-cluster configuration: client-go would then talk to http://localhost:8080 and report
// "connection refused", which says nothing of the real problem.
func LoadConfig(flags *genericclioptions.ConfigFlags, alternatives string) (*Config, error) {
	if flags == nil {
		return nil, errors.New("no Kubernetes flags")
	}
	quietKlog()
	if err := checkConfigured(flags, alternatives); err != nil {
		return nil, err
	}
	cfg, err := flags.ToRESTConfig()
	if err != nil {
		return nil, kubeconfigError(flags, err, alternatives)
	}
	cfg.UserAgent = "xdsctl"
	ns, _, err := flags.ToRawKubeConfigLoader().Namespace()
	if err != nil {
		return nil, kubeconfigError(flags, err, alternatives)
	}
	return &Config{REST: cfg, Namespace: ns}, nil
}

func checkConfigured(flags *genericclioptions.ConfigFlags, alternatives string) error {
	if flags.APIServer != nil && *flags.APIServer != "" {
		return nil
	}
	if os.Getenv("KUBERNETES_SERVICE_HOST") != "" && os.Getenv("KUBERNETES_SERVICE_PORT") != "" {
		return nil // in a pod: client-go uses the service account
	}
	raw, err := flags.ToRawKubeConfigLoader().RawConfig()
	if err != nil {
		return kubeconfigError(flags, err, alternatives)
	}
	if len(raw.Clusters) == 0 {
		return kubeconfigError(flags, clientcmd.ErrEmptyConfig, alternatives)
	}
	return nil
}

// kubeconfigError words a failure to load the configuration, naming the file(s) looked at.
func kubeconfigError(flags *genericclioptions.ConfigFlags, err error, alternatives string) error {
	where := configSource(flags)
	if clientcmd.IsEmptyConfig(err) {
		return cmdutil.WithHint(fmt.Errorf("%w found%s", ErrNoConfig, where), noConfigHint(alternatives))
	}
	return cmdutil.WithHint(fmt.Errorf("load the Kubernetes configuration%s: %w", where, err),
		"check --kubeconfig and --context (kubectl config get-contexts)")
}

// configSource says where the configuration was looked for: ` (--kubeconfig "x" does not
// exist)`, ` (KUBECONFIG="a:b": none of its files exists)`, ` (~/.kube/config does not exist)`.
func configSource(flags *genericclioptions.ConfigFlags) string {
	exists := func(p string) bool { _, err := os.Stat(p); return err == nil }
	if flags.KubeConfig != nil && *flags.KubeConfig != "" {
		p := *flags.KubeConfig
		if !exists(p) {
			return fmt.Sprintf(" (--kubeconfig %q does not exist)", p)
		}
		return fmt.Sprintf(" in --kubeconfig %q", p)
	}
	if env := os.Getenv(clientcmd.RecommendedConfigPathEnvVar); env != "" {
		for _, p := range clientcmd.NewDefaultClientConfigLoadingRules().Precedence {
			if exists(p) {
				return fmt.Sprintf(" in KUBECONFIG=%q", env)
			}
		}
		return fmt.Sprintf(" (KUBECONFIG=%q names no file that exists)", env)
	}
	if p := clientcmd.RecommendedHomeFile; !exists(p) {
		return fmt.Sprintf(" (%s does not exist and KUBECONFIG is not set)", p)
	}
	return " in " + clientcmd.RecommendedHomeFile
}

// serverOf is the API server an error from client-go was about ("https://10.0.0.1:6443"), or "".
func serverOf(err error) string {
	var ue *url.Error
	if !errors.As(err, &ue) {
		return ""
	}
	u, perr := url.Parse(ue.URL)
	if perr != nil || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}
