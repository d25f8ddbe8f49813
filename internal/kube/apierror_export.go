package kube

// APIError maps an error from the Kubernetes API, met while doing verb on resource in namespace ns,
// to one line with a hint (RBAC denials name the missing permission; not found says how to list
// them). what is the object as the user named it ("pod \"x\""). For commands that call the API
// themselves (describe).
func APIError(err error, verb, resource, ns, what string) error {
	return apiError(err, verb, resource, ns, what)
}
