package describe

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// API groups describe reads besides core Kubernetes.
const (
	GroupNetworking = "networking.istio.io"
	GroupSecurity   = "security.istio.io"
	GroupGatewayAPI = "gateway.networking.k8s.io"
)

// ResourceType is a custom resource describe reads: where it lives and which versions to try,
// newest first (an older Istio serves only v1beta1 or v1alpha3).
type ResourceType struct {
	Group    string
	Kind     string
	Resource string // plural, as in the API path
	Versions []string
}

// Key names the type as kubectl does: "virtualservices.networking.istio.io".
func (r ResourceType) Key() string { return r.Resource + "." + r.Group }

// ResourceTypes are the custom resources describe reads, in the order it reads them.
var ResourceTypes = []ResourceType{
	{GroupNetworking, "VirtualService", "virtualservices", []string{"v1", "v1beta1", "v1alpha3"}},
	{GroupNetworking, "DestinationRule", "destinationrules", []string{"v1", "v1beta1", "v1alpha3"}},
	{GroupNetworking, "Gateway", "gateways", []string{"v1", "v1beta1", "v1alpha3"}},
	{GroupNetworking, "Sidecar", "sidecars", []string{"v1", "v1beta1", "v1alpha3"}},
	{GroupSecurity, "PeerAuthentication", "peerauthentications", []string{"v1", "v1beta1"}},
	{GroupSecurity, "AuthorizationPolicy", "authorizationpolicies", []string{"v1", "v1beta1"}},
	{GroupGatewayAPI, "Gateway", "gateways", []string{"v1", "v1beta1"}},
	{GroupGatewayAPI, "HTTPRoute", "httproutes", []string{"v1", "v1beta1"}},
	{GroupGatewayAPI, "GRPCRoute", "grpcroutes", []string{"v1"}},
}

// CRDState says whether a resource type can be read in the cluster.
type CRDState string

// CRD states. Unknown is used offline when the file says nothing about a type.
const (
	CRDInstalled    CRDState = "installed"
	CRDNotInstalled CRDState = "not installed"
	CRDUnknown      CRDState = "unknown"
)

// meta is the part of an object describe uses to name and order it.
type meta struct {
	Name              string            `json:"name"`
	Namespace         string            `json:"namespace"`
	Labels            map[string]string `json:"labels,omitempty"`
	CreationTimestamp metav1.Time       `json:"creationTimestamp,omitempty"`
}

func (m *meta) id() string { return m.Name + "." + m.Namespace }

// older orders objects as Istio does when several apply at one level: oldest first, then by
// namespace and name so the order is stable.
func older(a, b *meta) bool {
	if !a.CreationTimestamp.Equal(&b.CreationTimestamp) {
		return a.CreationTimestamp.Before(&b.CreationTimestamp)
	}
	if a.Namespace != b.Namespace {
		return a.Namespace < b.Namespace
	}
	return a.Name < b.Name
}

type workloadSelector struct {
	MatchLabels map[string]string `json:"matchLabels"`
}

// --- networking.istio.io ---

type virtualService struct {
	Meta meta `json:"metadata"`
	Spec struct {
		Hosts    []string    `json:"hosts"`
		Gateways []string    `json:"gateways"`
		ExportTo []string    `json:"exportTo"`
		HTTP     []httpRoute `json:"http"`
		TCP      []l4Route   `json:"tcp"`
		TLS      []l4Route   `json:"tls"`
	} `json:"spec"`
}

type httpRoute struct {
	Name  string             `json:"name"`
	Match []httpMatch        `json:"match"`
	Route []routeDestination `json:"route"`
	// Redirect and DirectResponse routes have no destination.
	Redirect       json.RawMessage `json:"redirect"`
	DirectResponse json.RawMessage `json:"directResponse"`
	Fault          json.RawMessage `json:"fault"`
	Mirror         *destination    `json:"mirror"`
}

type httpMatch struct {
	Name          string                 `json:"name"`
	URI           *stringMatch           `json:"uri"`
	Method        *stringMatch           `json:"method"`
	Authority     *stringMatch           `json:"authority"`
	Headers       map[string]stringMatch `json:"headers"`
	QueryParams   map[string]stringMatch `json:"queryParams"`
	Port          uint32                 `json:"port"`
	IgnoreURICase bool                   `json:"ignoreUriCase"`
	Gateways      []string               `json:"gateways"`
	SourceLabels  map[string]string      `json:"sourceLabels"`
}

type stringMatch struct {
	Exact  string `json:"exact"`
	Prefix string `json:"prefix"`
	Regex  string `json:"regex"`
}

type l4Route struct {
	Match []json.RawMessage  `json:"match"`
	Route []routeDestination `json:"route"`
}

type routeDestination struct {
	Destination destination `json:"destination"`
	Weight      int32       `json:"weight"`
}

type destination struct {
	Host   string `json:"host"`
	Subset string `json:"subset"`
	Port   struct {
		Number uint32 `json:"number"`
	} `json:"port"`
}

type destinationRule struct {
	Meta meta `json:"metadata"`
	Spec struct {
		Host             string            `json:"host"`
		Subsets          []subset          `json:"subsets"`
		TrafficPolicy    *trafficPolicy    `json:"trafficPolicy"`
		ExportTo         []string          `json:"exportTo"`
		WorkloadSelector *workloadSelector `json:"workloadSelector"`
	} `json:"spec"`
}

type subset struct {
	Name          string            `json:"name"`
	Labels        map[string]string `json:"labels"`
	TrafficPolicy *trafficPolicy    `json:"trafficPolicy"`
}

type trafficPolicy struct {
	LoadBalancer      json.RawMessage `json:"loadBalancer"`
	ConnectionPool    json.RawMessage `json:"connectionPool"`
	OutlierDetection  json.RawMessage `json:"outlierDetection"`
	TLS               *clientTLS      `json:"tls"`
	PortLevelSettings []struct {
		Port struct {
			Number uint32 `json:"number"`
		} `json:"port"`
		LoadBalancer     json.RawMessage `json:"loadBalancer"`
		ConnectionPool   json.RawMessage `json:"connectionPool"`
		OutlierDetection json.RawMessage `json:"outlierDetection"`
		TLS              *clientTLS      `json:"tls"`
	} `json:"portLevelSettings"`
}

type clientTLS struct {
	Mode string `json:"mode"`
}

type istioGateway struct {
	Meta meta `json:"metadata"`
	Spec struct {
		Selector map[string]string `json:"selector"`
		Servers  []struct {
			Name string `json:"name"`
			Port struct {
				Number   uint32 `json:"number"`
				Name     string `json:"name"`
				Protocol string `json:"protocol"`
			} `json:"port"`
			Hosts []string `json:"hosts"`
			TLS   *struct {
				Mode string `json:"mode"`
			} `json:"tls"`
		} `json:"servers"`
	} `json:"spec"`
}

type sidecar struct {
	Meta meta `json:"metadata"`
	Spec struct {
		WorkloadSelector *workloadSelector `json:"workloadSelector"`
		Ingress          []json.RawMessage `json:"ingress"`
		Egress           []struct {
			Hosts []string `json:"hosts"`
			Port  *struct {
				Number uint32 `json:"number"`
			} `json:"port"`
		} `json:"egress"`
		OutboundTrafficPolicy *struct {
			Mode string `json:"mode"`
		} `json:"outboundTrafficPolicy"`
	} `json:"spec"`
}

// --- security.istio.io ---

type mtlsMode struct {
	Mode string `json:"mode"`
}

type peerAuthentication struct {
	Meta meta `json:"metadata"`
	Spec struct {
		Selector      *workloadSelector   `json:"selector"`
		Mtls          *mtlsMode           `json:"mtls"`
		PortLevelMtls map[string]mtlsMode `json:"portLevelMtls"`
	} `json:"spec"`
}

type authorizationPolicy struct {
	Meta meta `json:"metadata"`
	Spec struct {
		Selector   *workloadSelector `json:"selector"`
		TargetRef  json.RawMessage   `json:"targetRef"`
		TargetRefs []json.RawMessage `json:"targetRefs"`
		Action     string            `json:"action"`
		Rules      []json.RawMessage `json:"rules"`
		Provider   *struct {
			Name string `json:"name"`
		} `json:"provider"`
	} `json:"spec"`
}

// --- gateway.networking.k8s.io ---

type k8sGateway struct {
	Meta meta `json:"metadata"`
	Spec struct {
		GatewayClassName string `json:"gatewayClassName"`
		Listeners        []struct {
			Name     string `json:"name"`
			Hostname string `json:"hostname"`
			Port     uint32 `json:"port"`
			Protocol string `json:"protocol"`
		} `json:"listeners"`
	} `json:"spec"`
	Status struct {
		Addresses []struct {
			Type  string `json:"type"`
			Value string `json:"value"`
		} `json:"addresses"`
		Conditions []metav1.Condition `json:"conditions"`
	} `json:"status"`
}

type k8sRoute struct {
	Kind string `json:"kind"`
	Meta meta   `json:"metadata"`
	Spec struct {
		ParentRefs []parentRef `json:"parentRefs"`
		Hostnames  []string    `json:"hostnames"`
		Rules      []struct {
			Matches     []k8sRouteMatch `json:"matches"`
			BackendRefs []struct {
				Group     *string `json:"group"`
				Kind      *string `json:"kind"`
				Name      string  `json:"name"`
				Namespace string  `json:"namespace"`
				Port      uint32  `json:"port"`
				Weight    *int32  `json:"weight"`
			} `json:"backendRefs"`
		} `json:"rules"`
	} `json:"spec"`
}

type k8sRouteMatch struct {
	Path *struct {
		Type  string `json:"type"`
		Value string `json:"value"`
	} `json:"path"`
	Headers []struct {
		Name  string `json:"name"`
		Value string `json:"value"`
	} `json:"headers"`
	// Method is a string in an HTTPRoute and {service, method} in a GRPCRoute.
	Method json.RawMessage `json:"method"`
}

type parentRef struct {
	Group       *string `json:"group"`
	Kind        *string `json:"kind"`
	Namespace   string  `json:"namespace"`
	Name        string  `json:"name"`
	SectionName string  `json:"sectionName"`
	Port        uint32  `json:"port"`
}

// objects are the custom resources of a Cluster, decoded.
type objects struct {
	virtualServices  []*virtualService
	destinationRules []*destinationRule
	gateways         []*istioGateway
	sidecars         []*sidecar
	peerAuthns       []*peerAuthentication
	authzPolicies    []*authorizationPolicy
	k8sGateways      []*k8sGateway
	k8sRoutes        []*k8sRoute
}

// decodeObjects sorts the unstructured objects into typed ones. An object describe cannot read is
// reported in the returned warnings and left out; objects of kinds describe does not use are ignored.
func decodeObjects(items []unstructured.Unstructured) (*objects, []string) {
	o := &objects{}
	var warnings []string
	for i := range items {
		u := &items[i]
		gv := u.GroupVersionKind()
		raw, err := json.Marshal(u.Object)
		if err != nil {
			warnings = append(warnings, fmt.Sprintf("%s %s/%s: %v", u.GetKind(), u.GetNamespace(), u.GetName(), err))
			continue
		}
		var target any
		switch gv.Group + "/" + gv.Kind {
		case GroupNetworking + "/VirtualService":
			v := &virtualService{}
			o.virtualServices, target = append(o.virtualServices, v), v
		case GroupNetworking + "/DestinationRule":
			v := &destinationRule{}
			o.destinationRules, target = append(o.destinationRules, v), v
		case GroupNetworking + "/Gateway":
			v := &istioGateway{}
			o.gateways, target = append(o.gateways, v), v
		case GroupNetworking + "/Sidecar":
			v := &sidecar{}
			o.sidecars, target = append(o.sidecars, v), v
		case GroupSecurity + "/PeerAuthentication":
			v := &peerAuthentication{}
			o.peerAuthns, target = append(o.peerAuthns, v), v
		case GroupSecurity + "/AuthorizationPolicy":
			v := &authorizationPolicy{}
			o.authzPolicies, target = append(o.authzPolicies, v), v
		case GroupGatewayAPI + "/Gateway":
			v := &k8sGateway{}
			o.k8sGateways, target = append(o.k8sGateways, v), v
		case GroupGatewayAPI + "/HTTPRoute", GroupGatewayAPI + "/GRPCRoute":
			v := &k8sRoute{}
			o.k8sRoutes, target = append(o.k8sRoutes, v), v
		default:
			continue
		}
		if err := json.Unmarshal(raw, target); err != nil {
			warnings = append(warnings, fmt.Sprintf("%s %s in namespace %q cannot be read, so it is left out: %s",
				gv.Kind, u.GetName(), u.GetNamespace(), shortJSONError(err)))
			o.dropLast(target)
		}
	}
	o.sort()
	return o, warnings
}

// dropLast removes target, the object just appended, after it failed to decode.
func (o *objects) dropLast(target any) {
	switch target.(type) {
	case *virtualService:
		o.virtualServices = o.virtualServices[:len(o.virtualServices)-1]
	case *destinationRule:
		o.destinationRules = o.destinationRules[:len(o.destinationRules)-1]
	case *istioGateway:
		o.gateways = o.gateways[:len(o.gateways)-1]
	case *sidecar:
		o.sidecars = o.sidecars[:len(o.sidecars)-1]
	case *peerAuthentication:
		o.peerAuthns = o.peerAuthns[:len(o.peerAuthns)-1]
	case *authorizationPolicy:
		o.authzPolicies = o.authzPolicies[:len(o.authzPolicies)-1]
	case *k8sGateway:
		o.k8sGateways = o.k8sGateways[:len(o.k8sGateways)-1]
	case *k8sRoute:
		o.k8sRoutes = o.k8sRoutes[:len(o.k8sRoutes)-1]
	}
}

// sort orders every list by namespace and name, so reports do not depend on the API's order.
func (o *objects) sort() {
	byID := func(a, b *meta) bool {
		if a.Namespace != b.Namespace {
			return a.Namespace < b.Namespace
		}
		return a.Name < b.Name
	}
	sort.Slice(o.virtualServices, func(i, j int) bool { return byID(&o.virtualServices[i].Meta, &o.virtualServices[j].Meta) })
	sort.Slice(o.destinationRules, func(i, j int) bool { return byID(&o.destinationRules[i].Meta, &o.destinationRules[j].Meta) })
	sort.Slice(o.gateways, func(i, j int) bool { return byID(&o.gateways[i].Meta, &o.gateways[j].Meta) })
	sort.Slice(o.sidecars, func(i, j int) bool { return byID(&o.sidecars[i].Meta, &o.sidecars[j].Meta) })
	sort.Slice(o.peerAuthns, func(i, j int) bool { return byID(&o.peerAuthns[i].Meta, &o.peerAuthns[j].Meta) })
	sort.Slice(o.authzPolicies, func(i, j int) bool { return byID(&o.authzPolicies[i].Meta, &o.authzPolicies[j].Meta) })
	sort.Slice(o.k8sGateways, func(i, j int) bool { return byID(&o.k8sGateways[i].Meta, &o.k8sGateways[j].Meta) })
	sort.Slice(o.k8sRoutes, func(i, j int) bool {
		if o.k8sRoutes[i].Kind != o.k8sRoutes[j].Kind {
			return o.k8sRoutes[i].Kind > o.k8sRoutes[j].Kind // HTTPRoute before GRPCRoute
		}
		return byID(&o.k8sRoutes[i].Meta, &o.k8sRoutes[j].Meta)
	})
}

func shortJSONError(err error) string {
	var te *json.UnmarshalTypeError
	if e, ok := err.(*json.UnmarshalTypeError); ok { //nolint:errorlint // json returns it unwrapped
		te = e
		return fmt.Sprintf("field %s should be %s, not %s", strings.TrimPrefix(te.Field, "."), te.Type, te.Value)
	}
	return err.Error()
}

func selectorMatches(sel map[string]string, labels map[string]string) bool {
	for k, v := range sel {
		if got, ok := labels[k]; !ok || got != v {
			return false
		}
	}
	return true
}
