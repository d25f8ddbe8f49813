package main

import (
	"fmt"
	"strings"
	"time"
)

// The demo pod and the mesh around it. IPs of pods and of kube-dns, kubernetes, istiod and the
// ingress gateway's Service are those of the real dumps the pieces come from; the bookinfo
// Services' ClusterIPs and the SHAs are made up (see PROVENANCE.txt).
const (
	podName      = "productpage-v1-7bbd79f8fd-k6j79"
	podNS        = "default"
	podIP        = "10.244.0.194"
	serviceAcct  = "bookinfo-productpage"
	istioVersion = "1.27.3"
	proxySHA     = "6c7a1a0e3f4bd2c95e8817d3b0a6f2e4c1d9b754"
	envoyMajor   = 1
	envoyMinor   = 35
	envoyPatch   = 3
	trustDomain  = "cluster.local"
)

// captured is when the demo proxy started and got its config; everything's last_updated is near it.
var captured = time.Date(2026, 11, 16, 8, 28, 52, 0, time.UTC)

func ts(offsetMillis int) string {
	return captured.Add(time.Duration(offsetMillis) * time.Millisecond).Format("2006-01-02T15:04:05.000Z")
}

// xdsVersion is istiod's version_info for a push: the push time and a counter.
func xdsVersion(push int) string {
	return captured.Add(-2*time.Second).Format(time.RFC3339) + fmt.Sprintf("/%d", push)
}

type svcPort struct {
	port int
	http bool // an HTTP port (an outbound route config) or TCP (a tcp_proxy listener on the VIP)
}

type service struct {
	name, ns, vip string
	ports         []svcPort
	accounts      []string // service accounts of its workloads (the SANs its clusters check)
	subsets       []string // DestinationRule subsets (by the "version" label)
	dr            string   // the DestinationRule that applies, if any
}

func (s service) host() string { return s.name + "." + s.ns + ".svc.cluster.local" }

func spiffe(ns, sa string) string { return "spiffe://" + trustDomain + "/ns/" + ns + "/sa/" + sa }

// mesh is what productpage's sidecar sees: a Sidecar resource in default limits its egress to
// ./details, ./ratings, ./reviews, istio-system/* and kube-system/* (so neither productpage itself
// nor kubernetes.default).
var mesh = []service{
	{name: "details", ns: "default", vip: "10.96.47.120", ports: []svcPort{{9080, true}}, accounts: []string{spiffe("default", "bookinfo-details")}},
	{name: "istio-ingressgateway", ns: "istio-system", vip: "10.100.160.191", ports: []svcPort{{80, true}, {443, false}, {15021, false}}, accounts: []string{spiffe("istio-system", "istio-ingressgateway-service-account")}},
	{name: "istiod", ns: "istio-system", vip: "10.108.65.203", ports: []svcPort{{443, false}, {15010, true}, {15012, false}, {15014, true}}, accounts: []string{spiffe("istio-system", "istiod")}},
	{name: "kube-dns", ns: "kube-system", vip: "10.96.0.10", ports: []svcPort{{53, false}, {9153, true}}, accounts: []string{spiffe("kube-system", "coredns")}},
	{name: "ratings", ns: "default", vip: "10.96.143.61", ports: []svcPort{{9080, true}}, accounts: []string{spiffe("default", "bookinfo-ratings")}},
	{name: "reviews", ns: "default", vip: "10.96.94.179", ports: []svcPort{{9080, true}}, accounts: []string{spiffe("default", "bookinfo-reviews")},
		subsets: []string{"v1", "v2", "v3"}, dr: "reviews"},
}

func outboundName(port int, subset, host string) string {
	return fmt.Sprintf("outbound|%d|%s|%s", port, subset, host)
}

func sni(port int, subset, host string) string {
	return fmt.Sprintf("outbound_.%d_.%s_.%s", port, subset, host)
}

// workloadVersion reads the version out of an endpoint's istio workload metadata
// ("reviews-v3;default;reviews;v3;Kubernetes").
func workloadVersion(lb *obj) string {
	w := atStr(lb, "metadata", "filter_metadata", "istio", "workload")
	p := strings.Split(w, ";")
	if len(p) < 4 {
		return ""
	}
	return p[3]
}
