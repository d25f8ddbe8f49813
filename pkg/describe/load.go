package describe

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/yaml"
)

// NotObjectsError says the input is something else than Kubernetes objects (an Envoy config dump).
type NotObjectsError struct{ Msg string }

func (e *NotObjectsError) Error() string { return e.Msg }

// ParseObjects reads Kubernetes objects saved with `kubectl get -o yaml` (or -o json): one or more
// documents, each an object or a List of objects. Pods, Services and ConfigMaps are kept typed,
// Istio and Gateway API resources unstructured; a CustomResourceDefinition marks its type as
// installed. Objects of other kinds are skipped and counted in the warnings.
func ParseObjects(data []byte) (*Cluster, []string, error) {
	c := &Cluster{CRDs: map[string]CRDState{}}
	var warnings []string
	skipped := map[string]int{}
	dec := yaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	docs := 0
	for {
		var doc map[string]any
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, nil, fmt.Errorf("document %d is not valid YAML or JSON: %w", docs+1, err)
		}
		if doc == nil {
			continue
		}
		docs++
		if _, ok := doc["configs"]; ok && doc["kind"] == nil {
			return nil, nil, &NotObjectsError{Msg: fmt.Sprintf("document %d is an Envoy /config_dump, not Kubernetes objects", docs)}
		}
		items := []map[string]any{doc}
		if kind, _ := doc["kind"].(string); strings.HasSuffix(kind, "List") {
			raw, _ := doc["items"].([]any)
			items = items[:0]
			for _, it := range raw {
				if m, ok := it.(map[string]any); ok {
					items = append(items, m)
				}
			}
		}
		for _, it := range items {
			if err := c.add(it, skipped); err != nil {
				warnings = append(warnings, err.Error())
			}
		}
	}
	if docs == 0 {
		return nil, nil, errors.New("no Kubernetes objects in it")
	}
	if len(skipped) > 0 {
		var kinds []string
		for k, n := range skipped {
			kinds = append(kinds, fmt.Sprintf("%d %s", n, k))
		}
		sort.Strings(kinds)
		warnings = append(warnings, "skipped objects describe does not read: "+strings.Join(kinds, ", "))
	}
	c.inferCRDs()
	return c, warnings, nil
}

func (c *Cluster) add(obj map[string]any, skipped map[string]int) error {
	u := unstructured.Unstructured{Object: obj}
	gvk := u.GroupVersionKind()
	name := u.GetName()
	if ns := u.GetNamespace(); ns != "" {
		name = ns + "/" + name
	}
	decode := func(into any) error {
		raw, err := json.Marshal(obj)
		if err == nil {
			err = json.Unmarshal(raw, into)
		}
		if err != nil {
			return fmt.Errorf("%s %s cannot be read, so it is left out: %s", gvk.Kind, name, shortJSONError(err))
		}
		return nil
	}
	switch {
	case gvk.Group == "" && gvk.Kind == "Pod":
		var p corev1.Pod
		if err := decode(&p); err != nil {
			return err
		}
		c.Pods = append(c.Pods, p)
	case gvk.Group == "" && gvk.Kind == "Service":
		var s corev1.Service
		if err := decode(&s); err != nil {
			return err
		}
		c.Services = append(c.Services, s)
	case gvk.Group == "" && gvk.Kind == "ConfigMap":
		var cm corev1.ConfigMap
		if err := decode(&cm); err != nil {
			return err
		}
		c.ConfigMaps = append(c.ConfigMaps, cm)
	case gvk.Group == "apiextensions.k8s.io" && gvk.Kind == "CustomResourceDefinition":
		group, _, _ := unstructured.NestedString(obj, "spec", "group")
		plural, _, _ := unstructured.NestedString(obj, "spec", "names", "plural")
		for _, rt := range ResourceTypes {
			if rt.Group == group && rt.Resource == plural {
				c.CRDs[rt.Key()] = CRDInstalled
			}
		}
	default:
		for _, rt := range ResourceTypes {
			if rt.Group == gvk.Group && rt.Kind == gvk.Kind {
				c.Objects = append(c.Objects, u)
				return nil
			}
		}
		k := gvk.Kind
		if gvk.Group != "" {
			k += "." + gvk.Group
		}
		if k == "" {
			return fmt.Errorf("an object without apiVersion/kind is left out (%s)", orDefault(name, "no name"))
		}
		skipped[k]++
	}
	return nil
}

// inferCRDs completes the CRD states of a file: a type with objects is installed; when the file
// has CRDs of a group, that group's other types are not installed. Others stay unknown.
func (c *Cluster) inferCRDs() {
	groupsWithCRDs := map[string]bool{}
	for k := range c.CRDs {
		for _, rt := range ResourceTypes {
			if rt.Key() == k {
				groupsWithCRDs[rt.Group] = true
			}
		}
	}
	for _, u := range c.Objects {
		gvk := u.GroupVersionKind()
		for _, rt := range ResourceTypes {
			if rt.Group == gvk.Group && rt.Kind == gvk.Kind {
				c.CRDs[rt.Key()] = CRDInstalled
			}
		}
	}
	for _, rt := range ResourceTypes {
		if _, ok := c.CRDs[rt.Key()]; !ok && groupsWithCRDs[rt.Group] {
			c.CRDs[rt.Key()] = CRDNotInstalled
		}
	}
}

// Merge adds the objects of another Cluster (several --k8s-file).
func (c *Cluster) Merge(o *Cluster) {
	c.Pods = append(c.Pods, o.Pods...)
	c.Services = append(c.Services, o.Services...)
	c.ConfigMaps = append(c.ConfigMaps, o.ConfigMaps...)
	c.Objects = append(c.Objects, o.Objects...)
	if c.CRDs == nil {
		c.CRDs = map[string]CRDState{}
	}
	for k, v := range o.CRDs {
		if c.CRDs[k] != CRDInstalled {
			c.CRDs[k] = v
		}
	}
}
