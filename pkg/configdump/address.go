package configdump

import (
	"strconv"
	"strings"

	"github.com/xdsctl/xdsctl/internal/jsonscan"
)

// Address is an envoy.config.core.v3.Address as the endpoint tables show it.
type Address struct {
	// IP is the socket address (an IP or a host name), Port its port.
	IP   string `json:"ip,omitempty"`
	Port uint32 `json:"port,omitempty"`
	// Pipe is the path of a Unix domain socket.
	Pipe string `json:"pipe,omitempty"`
	// Listener and EndpointID name an Envoy internal address (envoy://listener/endpoint_id).
	Listener   string `json:"listener,omitempty"`
	EndpointID string `json:"endpointId,omitempty"`
}

// readAddress reads an envoy.config.core.v3.Address.
func readAddress(v jsonscan.Value) Address {
	var a Address
	_ = v.Fields(func(k []byte, f jsonscan.Value) bool {
		switch {
		case jsonscan.KeyIs(k, "socket_address"):
			a.IP = f.Get("address").Str()
			if n, ok := f.Get("port_value").Int(); ok && n >= 0 {
				a.Port = uint32(n)
			}
		case jsonscan.KeyIs(k, "pipe"):
			a.Pipe = f.Get("path").Str()
		case jsonscan.KeyIs(k, "envoy_internal_address"):
			a.Listener = f.Get("server_listener_name").Str()
			a.EndpointID = f.Get("endpoint_id").Str()
			if a.Listener == "" {
				a.Listener = "-"
			}
		}
		return true
	})
	return a
}

func (a Address) isSocket() bool {
	return a.Pipe == "" && a.Listener == "" && (a.IP != "" || a.Port != 0)
}
func (a Address) isInternal() bool { return a.Listener != "" }

// String writes the address as istioctl's EDS table does: ip:port, the pipe path as it is,
// envoy://listener/endpoint_id, or "unknown".
func (a Address) String() string {
	switch {
	case a.isInternal():
		return "envoy://" + a.Listener + "/" + a.EndpointID
	case a.Pipe != "":
		return a.Pipe
	case a.isSocket():
		return a.IP + ":" + strconv.FormatUint(uint64(a.Port), 10)
	}
	return "unknown"
}

// Matches tells whether the user's --address names this address: the IP alone, ip:port, the
// pipe path (with or without unix://) or the envoy:// form, case-insensitively.
func (a Address) Matches(s string) bool {
	switch {
	case !a.isSocket() && a.Pipe == "" && !a.isInternal():
		return false
	case strings.EqualFold(a.String(), s):
		return true
	case a.isSocket():
		return strings.EqualFold(a.IP, s)
	case a.Pipe != "":
		return strings.EqualFold("unix://"+a.Pipe, s)
	}
	return false
}

// Locality is an envoy.config.core.v3.Locality.
type Locality struct {
	Region  string `json:"region,omitempty"`
	Zone    string `json:"zone,omitempty"`
	SubZone string `json:"subZone,omitempty"`
}

func readLocality(v jsonscan.Value) Locality {
	var l Locality
	_ = v.Fields(func(k []byte, f jsonscan.Value) bool {
		switch {
		case jsonscan.KeyIs(k, "region"):
			l.Region = f.Str()
		case jsonscan.KeyIs(k, "zone"):
			l.Zone = f.Str()
		case jsonscan.KeyIs(k, "sub_zone"):
			l.SubZone = f.Str()
		}
		return true
	})
	return l
}

// String writes region/zone/sub_zone as Istio does: the region, then "/zone" when there is a
// zone, then "/sub_zone" when there is one too.
func (l Locality) String() string {
	s := l.Region
	if l.Zone == "" {
		return s
	}
	s += "/" + l.Zone
	if l.SubZone == "" {
		return s
	}
	return s + "/" + l.SubZone
}

// healthStatusNames are envoy.config.core.v3.HealthStatus by number.
var healthStatusNames = []string{"UNKNOWN", "HEALTHY", "UNHEALTHY", "DRAINING", "TIMEOUT", "DEGRADED"}

// healthStatus reads a HealthStatus enum written as a name or a number; missing is UNKNOWN.
func healthStatus(v jsonscan.Value) string {
	if s := v.Str(); s != "" {
		return s
	}
	if n, ok := v.Int(); ok {
		if n >= 0 && int(n) < len(healthStatusNames) {
			return healthStatusNames[n]
		}
		return strconv.FormatInt(n, 10)
	}
	return "UNKNOWN"
}

// istioSubsetKey splits a cluster name as istioctl sorts clusters and endpoints: Istio subset
// keys (direction|port|subset|fqdn) into their parts, any other name as the FQDN alone.
func istioSubsetKey(name string) (direction, subset, fqdn string, port int) {
	n, ok := SplitIstioClusterName(name)
	if !ok {
		return "", "", name, 0
	}
	return n.Direction, n.Subset, n.FQDN, n.Port
}

// lessClusterName orders cluster names as istioctl does: by fqdn, subset, port, direction.
func lessClusterName(a, b string) bool {
	ad, as, af, ap := istioSubsetKey(a)
	bd, bs, bf, bp := istioSubsetKey(b)
	if af != bf {
		return af < bf
	}
	if as != bs {
		return as < bs
	}
	if ap != bp {
		return ap < bp
	}
	return ad < bd
}
