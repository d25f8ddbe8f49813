package analyze

// Code is one kind of finding: its stable code, severity, a title and the hint every finding of
// that code carries unless it says something more precise. docs/analyze.md documents each, with
// an example and the fix (a test checks that every code is there).
type Code struct {
	ID       string
	Severity Severity
	Title    string
	Hint     string
}

// The codes. Never renumber one: users suppress them by code.
var (
	// references
	RouteClusterMissing = Code{"XDS0101", Error, "route sends to a cluster the proxy does not have",
		"add the cluster (or fix the route's cluster name); Envoy answers such requests with 503 NC (cluster not found)"}
	RouteConfigMissing = Code{"XDS0102", Error, "listener's HTTP connection manager uses a route configuration the proxy does not have",
		"make the control plane send the route configuration named in rds.route_config_name; until it arrives the listener is not ready"}
	TCPProxyClusterMissing = Code{"XDS0103", Error, "tcp_proxy sends to a cluster the proxy does not have",
		"add the cluster or fix the name in tcp_proxy; connections through this filter chain are closed"}
	SecretMissing = Code{"XDS0104", Error, "transport socket names an SDS secret the proxy does not have",
		"make the SDS server send the secret (for Istio: check the proxy's certificates with proxy-config secrets); until it arrives the cluster or listener is not ready"}
	EndpointsMissing = Code{"XDS0105", Error, "EDS cluster has no ClusterLoadAssignment",
		"make the control plane send endpoints for the cluster's service_name; without them the cluster has no hosts"}
	ReferenceWarming = Code{"XDS0106", Warning, "reference to a resource that is still warming",
		"a warming resource is not used yet; it usually waits for its endpoints or secrets (see its own findings)"}
	MirrorClusterMissing = Code{"XDS0107", Warning, "route mirrors to a cluster the proxy does not have",
		"add the cluster or fix request_mirror_policies; the mirrored copies are dropped"}
	ExtensionClusterMissing = Code{"XDS0109", Warning, "extension names a cluster the proxy does not have",
		"add the cluster or fix the name: the extension (ext_authz, an access log service, a JWKS fetch, a tracer) cannot reach its server"}
	AggregateClusterMissing = Code{"XDS0108", Warning, "aggregate cluster names a cluster the proxy does not have",
		"add the cluster or remove it from the aggregate; Envoy skips it, and with none left the aggregate has no hosts"}

	// state
	Rejected = Code{"XDS0201", Error, "Envoy rejected an update of the resource (NACK)",
		"fix the resource at the control plane; Envoy keeps the last version it accepted (if any) and says why in the message"}
	Warming = Code{"XDS0202", Warning, "resource is warming",
		"a cluster warms until its endpoints (EDS) and secrets (SDS) arrive, a listener until its routes and secrets do; look for findings about what it waits for"}
	NoEndpoints = Code{"XDS0203", Warning, "EDS cluster has no endpoints",
		"check the service has ready backends; requests to the cluster fail with 503 UH (no healthy upstream)"}
	NoHealthyEndpoint = Code{"XDS0204", Warning, "cluster has no healthy endpoint",
		"check the backends' health (proxy-config endpoints shows each host's health and outlier status)"}

	// certificates
	CertExpired = Code{"XDS0301", Error, "certificate has expired",
		"renew the certificate (for Istio: check istiod and the proxy's SDS); TLS handshakes that use it fail"}
	CertNotYetValid = Code{"XDS0302", Error, "certificate is not valid yet",
		"check the clocks of the CA and of this host; TLS handshakes that use it fail until it becomes valid"}
	CertExpiring = Code{"XDS0303", Warning, "certificate expires soon",
		"renew the certificate before it expires (the window is --cert-warn)"}
	TrustMismatch = Code{"XDS0304", Warning, "trust bundle does not verify the certificate chain presented with it",
		"peers that trust this bundle will reject this certificate: send a chain signed by a CA in the bundle (or the bundle of the CA that signed it)"}

	// routing
	DuplicateDomain = Code{"XDS0401", Error, "domain in two virtual hosts of one route configuration",
		"keep each domain in one virtual host; Envoy rejects a route configuration with duplicate domains"}
	RouteShadowed = Code{"XDS0402", Warning, "route can never match: an earlier route matches every request it would",
		"move the more specific route before the broader one, or remove it"}
	DuplicateRoute = Code{"XDS0403", Warning, "route has the same match as an earlier route and can never match",
		"remove the duplicate, or give it a different match"}

	// listeners
	DuplicateChainMatch = Code{"XDS0501", Error, "two filter chains of a listener have the same or overlapping matches",
		"make each filter_chain_match distinct; Envoy rejects the listener"}
	DuplicateAddress = Code{"XDS0502", Error, "two listeners bind the same address and port",
		"give each listener its own address:port, or set bind_to_port: false on those reached through another listener; Envoy rejects the second"}

	// Istio
	OutboundPolicy = Code{"XDS0601", Info, "Istio outbound traffic policy",
		"set meshConfig.outboundTrafficPolicy.mode (or a Sidecar's outboundTrafficPolicy) to change it"}
	SubsetNoEndpoints = Code{"XDS0602", Warning, "DestinationRule subset has no endpoints",
		"check the subset's labels match ready pods (kubectl get pods -l <labels>); requests routed to the subset fail with 503 UH"}

	// documented limits
	RingSizeTooLarge = Code{"XDS0701", Error, "ring_hash ring size above Envoy's maximum (8388608)",
		"set minimum_ring_size and maximum_ring_size at most 8388608 (8M); Envoy rejects larger rings"}
	RingSizeMinAboveMax = Code{"XDS0702", Error, "ring_hash minimum_ring_size above maximum_ring_size",
		"make minimum_ring_size at most maximum_ring_size; Envoy rejects the cluster"}
	MaglevTableSize = Code{"XDS0703", Error, "maglev table_size is not a prime number",
		"use a prime table_size (the default is 65537, the largest 5000011); Envoy rejects the cluster"}

	// schema (pkg/validate)
	SchemaError = Code{"XDS0801", Error, "resource breaks Envoy's API rules: Envoy rejects it",
		"fix the field named in the message (its path is in RESOURCE); the message is worded as Envoy words it"}
	UnknownExtension = Code{"XDS0802", Info, "extension type xdsctl does not know, so not checked",
		"nothing to do if the proxy is built with this extension; Envoy rejects it otherwise"}

	// counters (/stats)
	UpdatesRejected = Code{"XDS0901", Warning, "xDS updates rejected, by the counters",
		"find the rejected resource and Envoy's reason (its XDS0201 finding, or proxy-status); the counter keeps counting until Envoy restarts"}
	UpdateFailures = Code{"XDS0902", Warning, "xDS updates failed to arrive, by the counters",
		"check the proxy reaches its control plane (for Istio: istiod's address and the proxy's logs)"}
	ConnectFailures = Code{"XDS0903", Warning, "connections to a cluster's hosts failed, by the counters",
		"check the hosts listen on the port the cluster names and that nothing (NetworkPolicy, firewall, mTLS mode) refuses the connections"}
	PendingOverflow = Code{"XDS0904", Warning, "requests rejected by a cluster's circuit breaker, by the counters",
		"raise the cluster's circuit breaker thresholds (max_pending_requests; Istio: connectionPool.http.http1MaxPendingRequests) or add capacity"}
	DownstreamOverflow = Code{"XDS0905", Warning, "connections rejected for a listener's connection limit, by the counters",
		"raise the listener's connection limit (max_connections of the overload manager or the listener's connection_limit filter)"}
	NoRoute = Code{"XDS0906", Info, "requests that matched no route, by the counters",
		"if these requests should be served, add a route or a virtual host for their host and path"}
)

// Codes lists every code in order.
var Codes = []Code{
	RouteClusterMissing, RouteConfigMissing, TCPProxyClusterMissing, SecretMissing, EndpointsMissing, ReferenceWarming, MirrorClusterMissing, AggregateClusterMissing, ExtensionClusterMissing,
	Rejected, Warming, NoEndpoints, NoHealthyEndpoint,
	CertExpired, CertNotYetValid, CertExpiring, TrustMismatch,
	DuplicateDomain, RouteShadowed, DuplicateRoute,
	DuplicateChainMatch, DuplicateAddress,
	OutboundPolicy, SubsetNoEndpoints,
	RingSizeTooLarge, RingSizeMinAboveMax, MaglevTableSize,
	SchemaError, UnknownExtension,
	UpdatesRejected, UpdateFailures, ConnectFailures, PendingOverflow, DownstreamOverflow, NoRoute,
}

// LookupCode returns the code with id (as given, e.g. "XDS0101"), and whether there is one.
func LookupCode(id string) (Code, bool) {
	for _, c := range Codes {
		if c.ID == id {
			return c, true
		}
	}
	return Code{}, false
}
