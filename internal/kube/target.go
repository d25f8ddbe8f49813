package kube

import (
	"fmt"
	"strings"
)

// Kind is a kind of object a target may name.
type Kind string

// Kinds a target may name. Every kind but Pod is resolved to one ready pod behind it.
const (
	KindPod         Kind = "pod"
	KindDeployment  Kind = "deployment"
	KindStatefulSet Kind = "statefulset"
	KindDaemonSet   Kind = "daemonset"
	KindReplicaSet  Kind = "replicaset"
	KindService     Kind = "service"
)

// kindNames maps what users type (kubectl's names, short names and plurals) to a Kind.
var kindNames = map[string]Kind{
	"po": KindPod, "pod": KindPod, "pods": KindPod,
	"deploy": KindDeployment, "deployment": KindDeployment, "deployments": KindDeployment,
	"sts": KindStatefulSet, "statefulset": KindStatefulSet, "statefulsets": KindStatefulSet,
	"ds": KindDaemonSet, "daemonset": KindDaemonSet, "daemonsets": KindDaemonSet,
	"rs": KindReplicaSet, "replicaset": KindReplicaSet, "replicasets": KindReplicaSet,
	"svc": KindService, "service": KindService, "services": KindService,
}

// TargetRef is a parsed target argument.
type TargetRef struct {
	Kind      Kind
	Name      string
	Namespace string // "" means the default namespace (-n, else the kubeconfig context's)
}

func (t TargetRef) String() string {
	s := t.Name
	if t.Kind != KindPod {
		s = string(t.Kind) + "/" + s
	}
	if t.Namespace != "" {
		s += "." + t.Namespace
	}
	return s
}

// ParseTarget parses `<pod>[.<namespace>]` or `<kind>/<name>[.<namespace>]`. The namespace is what
// follows the last dot, as in istioctl: a pod whose name has dots needs its namespace spelt out
// (`my.pod.default`).
func ParseTarget(arg string) (TargetRef, error) {
	ref := TargetRef{Kind: KindPod}
	rest := arg
	if kind, name, ok := strings.Cut(arg, "/"); ok {
		// kubectl also accepts the group: deployment.apps/x, deployments.apps/x
		kind = strings.ToLower(strings.TrimSuffix(strings.TrimSuffix(kind, ".apps"), ".v1"))
		k, known := kindNames[kind]
		if !known {
			return ref, fmt.Errorf("unknown kind %q in target %q: use pod, deployment, statefulset, daemonset, replicaset or service", kind, arg)
		}
		ref.Kind, rest = k, name
	}
	if strings.Contains(rest, "/") {
		return ref, fmt.Errorf("invalid target %q: use <pod>[.<namespace>] or <kind>/<name>[.<namespace>]", arg)
	}
	if i := strings.LastIndexByte(rest, '.'); i >= 0 {
		ref.Name, ref.Namespace = rest[:i], rest[i+1:]
		if ref.Namespace == "" {
			return ref, fmt.Errorf("invalid target %q: nothing after the dot; use <name>.<namespace>", arg)
		}
	} else {
		ref.Name = rest
	}
	if ref.Name == "" {
		return ref, fmt.Errorf("invalid target %q: no name", arg)
	}
	return ref, nil
}
