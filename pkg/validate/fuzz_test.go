package validate

import "testing"

// FuzzJSON: any bytes, for any of the resource types, give problems, never a panic.
func FuzzJSON(f *testing.F) {
	f.Add(uint8(0), []byte(`{"name":"c","connect_timeout":"0s"}`))
	f.Add(uint8(1), []byte(listener(chain(`"filter_chain_match":{"destination_port":80},`, ""))))
	f.Add(uint8(2), []byte(`{"name":"r","virtual_hosts":[{"name":"v","domains":[]}]}`))
	f.Add(uint8(3), []byte(`{"cluster_name":"c","endpoints":[{"lb_endpoints":[{"endpoint":{"address":{"socket_address":{"address":"10.0.0.1","port_value":70000}}}}]}]}`))
	f.Add(uint8(4), []byte(`{"name":"s","tls_certificate":{"certificate_chain":{"inline_string":"x"}}}`))
	types := []string{clusterT, listenerT, routeT, claT, secretT, ""}
	f.Fuzz(func(t *testing.T, which uint8, data []byte) {
		for _, p := range JSON(types[int(which)%len(types)], data) {
			if p.Message == "" || p.Envoy == "" {
				t.Fatalf("problem without text: %+v", p)
			}
		}
	})
}

func BenchmarkJSON(b *testing.B) {
	rs := dumpResources(b, "istio/authz__configdump.json")
	var size int64
	for _, r := range rs {
		size += int64(len(r))
	}
	JSON("", rs[0]) // load descriptors and rules once
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		for _, r := range rs {
			JSON("", r)
		}
	}
}
