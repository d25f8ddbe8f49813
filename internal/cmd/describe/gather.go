package describe

import (
	"errors"
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/labels"

	"github.com/xdsctl/xdsctl/internal/cmdutil"
	"github.com/xdsctl/xdsctl/internal/kube"
	"github.com/xdsctl/xdsctl/pkg/describe"
)

// gatherFiles reads the objects from --k8s-file files and finds the described pod or Service in
// them. Without an explicit namespace, a name found in exactly one namespace is taken from there.
// Clients, request and gathered are internal/kube's: the live gathering lives with the other
// client-go code; this package reads the offline --k8s-file objects into the same shapes.
type (
	Clients  = kube.ObjectClients
	request  = kube.ObjectRequest
	gathered = kube.Objects
)

func gatherFiles(files map[string][]byte, order []string, req request, nsExplicit bool, warn func(string)) (*gathered, string, error) {
	c := &describe.Cluster{CRDs: map[string]describe.CRDState{}}
	for _, name := range order {
		part, warnings, err := describe.ParseObjects(files[name])
		var notObjects *describe.NotObjectsError
		switch {
		case errors.As(err, &notObjects):
			return nil, "", cmdutil.WithHint(fmt.Errorf("--k8s-file %q: %w", name, err),
				"give the proxy's config dump with --file, and the objects (kubectl get -o yaml) with --k8s-file")
		case err != nil:
			return nil, "", cmdutil.WithHint(fmt.Errorf("--k8s-file %q: %w", name, err),
				"save the objects with: kubectl get pods,services -n <namespace> -o yaml > objects.yaml")
		}
		for _, w := range warnings {
			warn(fmt.Sprintf("--k8s-file %q: %s", name, w))
		}
		c.Merge(part)
	}
	g := &gathered{Cluster: c}
	ns := req.Namespace
	what := "pod"
	if req.Kind == kindService {
		what = "service"
	}
	var found []string // namespaces that have the name
	switch req.Kind {
	case kindPod:
		for i := range c.Pods {
			if c.Pods[i].Name == req.Name {
				found = append(found, c.Pods[i].Namespace)
			}
		}
	case kindService:
		for i := range c.Services {
			if c.Services[i].Name == req.Name {
				found = append(found, c.Services[i].Namespace)
			}
		}
	}
	if !nsExplicit && len(found) == 1 {
		ns = found[0]
	}
	switch req.Kind {
	case kindPod:
		for i := range c.Pods {
			if c.Pods[i].Name == req.Name && c.Pods[i].Namespace == ns {
				g.Pods = append(g.Pods, &c.Pods[i])
			}
		}
	case kindService:
		for i := range c.Services {
			if c.Services[i].Name == req.Name && c.Services[i].Namespace == ns {
				g.Service = &c.Services[i]
			}
		}
		if g.Service != nil && len(g.Service.Spec.Selector) > 0 {
			sel := labels.SelectorFromSet(g.Service.Spec.Selector)
			for i := range c.Pods {
				if c.Pods[i].Namespace == ns && sel.Matches(labels.Set(c.Pods[i].Labels)) {
					g.Pods = append(g.Pods, &c.Pods[i])
				}
			}
		}
	}
	if (req.Kind == kindPod && len(g.Pods) == 0) || (req.Kind == kindService && g.Service == nil) {
		hint := fmt.Sprintf("save it with: kubectl get %ss,services -n %s -o yaml >> %s", what, ns, order[0])
		if len(found) > 0 {
			hint = fmt.Sprintf("the file has %s %q in namespace(s) %s: name one with %s.<namespace> or -n", what, req.Name, strings.Join(found, ", "), req.Name)
		}
		return nil, "", cmdutil.WithHint(fmt.Errorf("%s %q not found in namespace %q in %s", what, req.Name, ns, describeFiles(order)), hint)
	}
	return g, ns, nil
}

func describeFiles(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	if len(q) == 1 {
		return "--k8s-file " + q[0]
	}
	return "--k8s-file " + strings.Join(q, ", ")
}
