package describe

// The report: what describe found, as plain structs with stable JSON names (-o json|yaml prints
// them; the text renderer prints them in istioctl x describe's layout).

// PodReport explains one pod: the pod and its proxy, the Services that select it and the Istio
// resources that apply to it, what the proxy has loaded for them, and where the two disagree.
type PodReport struct {
	Pod      PodInfo       `json:"pod"`
	Proxy    ProxyInfo     `json:"proxy"`
	Services []ServiceInfo `json:"services"`
	// MTLS is the effective PeerAuthentication (only for pods with a proxy).
	MTLS *MTLSInfo `json:"mtls,omitempty"`
	// Inbound is what the proxy accepts on each pod port (only with a sidecar's config).
	Inbound               []InboundPort          `json:"inbound,omitempty"`
	AuthorizationPolicies []AuthorizationPolicy  `json:"authorizationPolicies"`
	Sidecar               *SidecarInfo           `json:"sidecar,omitempty"`
	OutboundTrafficPolicy *OutboundTrafficPolicy `json:"outboundTrafficPolicy,omitempty"`
	Ingress               []Exposure             `json:"ingress"`
	// Gateways are the gateways this pod serves (when it is a gateway pod).
	Gateways   []ServedGateway `json:"gateways,omitempty"`
	Mismatches []Mismatch      `json:"mismatches"`
	Resources  ResourceStatus  `json:"resources"`
}

// ServiceReport explains a Service: each pod behind it, described for this Service only.
type ServiceReport struct {
	Service ServiceInfo `json:"service"`
	// SelectedPods counts the pods the Service selects, running or not.
	SelectedPods int         `json:"selectedPods"`
	Pods         []PodReport `json:"pods"`
	// Note says why no pod is described ("no pods", "no pods with a proxy").
	Note      string         `json:"note,omitempty"`
	Resources ResourceStatus `json:"resources"`
}

// PodInfo is the pod as Kubernetes has it.
type PodInfo struct {
	Name      string            `json:"name"`
	Namespace string            `json:"namespace"`
	Phase     string            `json:"phase"`
	Ready     bool              `json:"ready"`
	IP        string            `json:"ip,omitempty"`
	Revision  string            `json:"revision,omitempty"`
	Labels    map[string]string `json:"labels,omitempty"`
	Ports     []PodPort         `json:"ports"`
	// NotReady lists the containers that are not ready.
	NotReady []string `json:"notReadyContainers,omitempty"`
	// Warnings are things Istio needs from a pod that this one lacks.
	Warnings []string `json:"warnings,omitempty"`
}

// PodPort is a container port.
type PodPort struct {
	Container string `json:"container"`
	Name      string `json:"name,omitempty"`
	Port      int32  `json:"port"`
	Protocol  string `json:"protocol"`
}

// ProxyInfo is the pod's proxy: whether there is one, its version and admin port, and where its
// configuration was read from.
type ProxyInfo struct {
	Injected  bool   `json:"injected"`
	Container string `json:"container,omitempty"`
	// Type is the node type from the bootstrap: sidecar, router (a gateway).
	Type            string `json:"type,omitempty"`
	Ready           *bool  `json:"ready,omitempty"`
	IstioVersion    string `json:"istioVersion,omitempty"`
	EnvoyVersion    string `json:"envoyVersion,omitempty"`
	AdminPort       int    `json:"adminPort,omitempty"`
	AdminPortSource string `json:"adminPortSource,omitempty"`
	// ConfigSource is where the config dump came from; ConfigError why there is none.
	ConfigSource string `json:"configSource,omitempty"`
	ConfigError  string `json:"configError,omitempty"`
	// DumpOf is the pod the config dump says it belongs to (bootstrap node metadata), as name.namespace.
	DumpOf string `json:"dumpOf,omitempty"`
}

// ServiceInfo is a Service that selects the pod, the Istio resources for its host, and what the
// proxy has loaded for each of its ports.
type ServiceInfo struct {
	Name             string                `json:"name"`
	Namespace        string                `json:"namespace"`
	Host             string                `json:"host"`
	Type             string                `json:"type,omitempty"`
	Ports            []ServicePort         `json:"ports"`
	DestinationRules []DestinationRuleInfo `json:"destinationRules"`
	VirtualServices  []VirtualServiceInfo  `json:"virtualServices"`
	// Loaded is what the pod's own proxy has for this Service, port by port.
	Loaded []LoadedPort `json:"loaded,omitempty"`
}

// ServicePort is a port of a Service and the pod port it reaches.
type ServicePort struct {
	Name       string `json:"name,omitempty"`
	Port       int32  `json:"port"`
	TargetPort string `json:"targetPort"`
	PodPort    int32  `json:"podPort,omitempty"`
	// Protocol is the protocol Istio gives the port (from appProtocol or the port name), or "auto-detect".
	Protocol string `json:"protocol"`
	NodePort int32  `json:"nodePort,omitempty"`
	// Error says why the port reaches no pod port (a named targetPort the pod does not have).
	Error string `json:"error,omitempty"`
}

// DestinationRuleInfo is a DestinationRule whose host matches a Service.
type DestinationRuleInfo struct {
	Name      string `json:"name"`
	Namespace string `json:"namespace"`
	Host      string `json:"host"`
	// Effective is set on the DestinationRule the pod's own namespace uses for the host.
	Effective          bool     `json:"effective"`
	MatchingSubsets    []string `json:"matchingSubsets"`
	NonMatchingSubsets []string `json:"nonMatchingSubsets"`
	// TLSMode is trafficPolicy.tls.mode ("" when not set).
	TLSMode   string       `json:"tlsMode,omitempty"`
	Policies  []string     `json:"policies,omitempty"`
	PortLevel []PortPolicy `json:"portLevel,omitempty"`
	// Note says why the rule does not apply to the pod's namespace (exportTo, workloadSelector).
	Note string `json:"note,omitempty"`
}

// PortPolicy is a DestinationRule's port-level traffic policy.
type PortPolicy struct {
	Port     uint32   `json:"port"`
	TLSMode  string   `json:"tlsMode,omitempty"`
	Policies []string `json:"policies,omitempty"`
}

// VirtualServiceInfo is a VirtualService with a route to a Service.
type VirtualServiceInfo struct {
	Name      string   `json:"name"`
	Namespace string   `json:"namespace"`
	Hosts     []string `json:"hosts"`
	// Gateways are the gateways it is bound to, as written; "mesh" means sidecars.
	Gateways []string `json:"gateways"`
	// Mesh tells whether sidecars use it (gateways unset or naming "mesh"); false: only the gateways do.
	Mesh   bool      `json:"mesh"`
	Routes []VSRoute `json:"routes"`
	// HTTPRoutes and TCPRoutes count all its routes (including those to other hosts).
	HTTPRoutes int `json:"httpRoutes"`
	TCPRoutes  int `json:"tcpRoutes"`
	TLSRoutes  int `json:"tlsRoutes"`
	// Warnings are problems found in the VirtualService itself (unknown subsets...).
	Warnings []string `json:"warnings,omitempty"`
}

// VSRoute is one route of a VirtualService that reaches the Service.
type VSRoute struct {
	Kind         string          `json:"kind"` // http, tcp or tls
	Name         string          `json:"name,omitempty"`
	Match        []string        `json:"match"` // empty: everything
	Destinations []VSDestination `json:"destinations"`
	// ReachesPod tells whether some destination of the route can send traffic to this pod.
	ReachesPod bool   `json:"reachesPod"`
	Fault      bool   `json:"fault,omitempty"`
	Note       string `json:"note,omitempty"`
}

// VSDestination is one destination of a route.
type VSDestination struct {
	Host   string `json:"host"`
	Subset string `json:"subset,omitempty"`
	Port   uint32 `json:"port,omitempty"`
	Weight int32  `json:"weight,omitempty"`
	// ThisService tells whether the host is the Service being described.
	ThisService bool `json:"thisService"`
	// SubsetMatchesPod tells whether the subset's labels select this pod (no subset: true).
	SubsetMatchesPod bool `json:"subsetMatchesPod"`
	// SubsetUndefined is set when no DestinationRule for the host defines the subset.
	SubsetUndefined bool `json:"subsetUndefined,omitempty"`
}

// LoadedPort is what the proxy has for one Service port: its outbound clusters and HTTP routes.
type LoadedPort struct {
	Port     int32           `json:"port"`
	Clusters []LoadedCluster `json:"clusters"`
	Routes   []LoadedRoute   `json:"routes,omitempty"`
}

// LoadedCluster is an outbound cluster of the proxy for a Service port (one per subset).
type LoadedCluster struct {
	Name            string `json:"name"`
	Subset          string `json:"subset,omitempty"`
	DestinationRule string `json:"destinationRule,omitempty"` // name.namespace, from the cluster's Istio metadata
	TLS             string `json:"tls"`                       // ISTIO_MUTUAL, AUTO, TLS or DISABLE
	State           string `json:"state,omitempty"`           // set when not active (WARMING...)
}

// LoadedRoute is a virtual host of the proxy's routes for a Service.
type LoadedRoute struct {
	RouteConfig string             `json:"routeConfig"`
	VirtualHost string             `json:"virtualHost"`
	Routes      []LoadedRouteEntry `json:"routes"`
}

// LoadedRouteEntry is one route of a virtual host.
type LoadedRouteEntry struct {
	Match          string            `json:"match"`
	Clusters       []WeightedCluster `json:"clusters,omitempty"`
	Action         string            `json:"action,omitempty"`         // redirect, direct response N
	VirtualService string            `json:"virtualService,omitempty"` // name.namespace, from the route's Istio metadata
}

// WeightedCluster is a cluster a route sends to, with its weight (0: the only one).
type WeightedCluster struct {
	Name   string `json:"name"`
	Weight int    `json:"weight,omitempty"`
}

// MTLSInfo is the effective PeerAuthentication of the pod, composed as istiod does:
// mesh (root namespace) → namespace → workload → port level, UNSET inheriting from the level above.
type MTLSInfo struct {
	Mode      string            `json:"mode"`
	PortModes []PortMTLS        `json:"portModes,omitempty"`
	Applied   []AppliedPeerAuth `json:"applied"`
	// RootNamespace is where mesh-wide policies live (meshConfig.rootNamespace).
	RootNamespace string `json:"rootNamespace"`
}

// PortMTLS is a port-level mTLS mode.
type PortMTLS struct {
	Port uint32 `json:"port"`
	Mode string `json:"mode"`
}

// AppliedPeerAuth is a PeerAuthentication that takes part in the effective policy.
type AppliedPeerAuth struct {
	Name      string `json:"name"`
	Namespace string `json:"namespace"`
	Level     string `json:"level"` // mesh, namespace or workload
	Mode      string `json:"mode"`  // as written; UNSET when not given
}

// InboundPort is what the proxy accepts on one pod port.
type InboundPort struct {
	Port     uint32         `json:"port"`
	Listener string         `json:"listener,omitempty"`
	Chains   []InboundChain `json:"chains"`
	// Mode is the mTLS mode the chains implement: STRICT (mTLS only), PERMISSIVE (both) or DISABLE
	// (plaintext only); empty when the proxy has no chain for the port.
	Mode string `json:"mode,omitempty"`
	// Expected is the mode the effective PeerAuthentication asks for.
	Expected string `json:"expected"`
}

// InboundChain is one filter chain for a pod port.
type InboundChain struct {
	Name        string   `json:"name,omitempty"`
	Match       string   `json:"match"`
	TLS         bool     `json:"tls"`
	Destination string   `json:"destination,omitempty"`
	RBAC        []string `json:"rbac,omitempty"`
}

// AuthorizationPolicy is an AuthorizationPolicy that selects the pod.
type AuthorizationPolicy struct {
	Name      string `json:"name"`
	Namespace string `json:"namespace"`
	Action    string `json:"action"`
	Scope     string `json:"scope"` // mesh, namespace or workload
	Rules     int    `json:"rules"`
	// Loaded tells whether the proxy's inbound RBAC filters carry the policy (nil: unknown).
	Loaded *bool  `json:"loaded,omitempty"`
	Note   string `json:"note,omitempty"`
}

// SidecarInfo is the Sidecar resource that applies to the pod.
type SidecarInfo struct {
	Name                  string   `json:"name"`
	Namespace             string   `json:"namespace"`
	Scope                 string   `json:"scope"` // workload, namespace or mesh
	EgressHosts           []string `json:"egressHosts,omitempty"`
	IngressListeners      int      `json:"ingressListeners,omitempty"`
	OutboundTrafficPolicy string   `json:"outboundTrafficPolicy,omitempty"`
}

// OutboundTrafficPolicy is what the pod may reach outside the service registry: declared (mesh
// config or Sidecar) and loaded (the virtualOutbound listener's catch-all cluster).
type OutboundTrafficPolicy struct {
	Mode       string `json:"mode"`
	DeclaredBy string `json:"declaredBy"`
	Loaded     string `json:"loaded,omitempty"`
	LoadedFrom string `json:"loadedFrom,omitempty"`
}

// Exposure is one way the pod's Service is reachable through an ingress gateway.
type Exposure struct {
	Kind string `json:"kind"` // Gateway (networking.istio.io) or Gateway API
	// Missing is set when the route names a gateway that does not exist.
	Missing bool   `json:"missing,omitempty"`
	Gateway string `json:"gateway"` // name.namespace
	Route   string `json:"route"`   // the VirtualService or HTTPRoute, with its kind
	// RouteMatches are the matches of the route's rules that send traffic to the Service ("*": everything).
	RouteMatches []string      `json:"routeMatches"`
	Service      string        `json:"service"` // the workload's Service, name.namespace
	Hosts        []string      `json:"hosts"`
	Ports        []ExposedPort `json:"ports"`
	// GatewayService is the Kubernetes Service in front of the gateway pods, name.namespace.
	GatewayService string   `json:"gatewayService,omitempty"`
	GatewayPods    []string `json:"gatewayPods,omitempty"`
	// Addresses are the external addresses (load balancer, Gateway status); none means not reachable from outside yet.
	Addresses   []string `json:"addresses"`
	URLs        []string `json:"urls"`
	AddressNote string   `json:"addressNote,omitempty"`
	// Loaded says what the gateway proxy has for the Service (nil: no gateway config read).
	Loaded     *bool         `json:"loaded,omitempty"`
	LoadedNote string        `json:"loadedNote,omitempty"`
	Routes     []LoadedRoute `json:"routes,omitempty"`
}

// ServedGateway is a Gateway whose pods include this one, with the routes bound to it.
type ServedGateway struct {
	Kind    string        `json:"kind"`    // Gateway (networking.istio.io) or Gateway API
	Gateway string        `json:"gateway"` // name.namespace
	Ports   []ExposedPort `json:"ports"`
	Hosts   []string      `json:"hosts"`
	Routes  []BoundRoute  `json:"routes"`
}

// BoundRoute is a VirtualService or Gateway API route bound to a gateway.
type BoundRoute struct {
	Route string `json:"route"` // kind name.namespace
	// Loaded tells whether the gateway proxy's routes come from it (nil: not known).
	Loaded *bool `json:"loaded,omitempty"`
}

// ExposedPort is a gateway port that serves the route.
type ExposedPort struct {
	Port     uint32 `json:"port"`
	Protocol string `json:"protocol"`
	Name     string `json:"name,omitempty"`
}

// Mismatch is a disagreement between what is declared and what the proxy has loaded, or a
// declared reference to something that does not exist.
type Mismatch struct {
	Kind    string `json:"kind"`
	Object  string `json:"object,omitempty"`
	Message string `json:"message"`
}

// ResourceStatus says which custom resource types could be read.
type ResourceStatus struct {
	Istio        CRDState `json:"istio"`
	GatewayAPI   CRDState `json:"gatewayAPI"`
	NotInstalled []string `json:"notInstalled,omitempty"`
}
