package decode

import (
	"testing"
	"time"

	"github.com/xdsctl/xdsctl/pkg/status"
)

// The decoders must never panic, whatever they are given, and whatever they return must render.

func FuzzDecodeClientStatusJSON(f *testing.F) {
	f.Add([]byte(`{"config":[{"node":{"id":"a"},"genericXdsConfigs":[{"typeUrl":"type.googleapis.com/envoy.config.cluster.v3.Cluster","configStatus":"SYNCED"}]}]}`))
	f.Add([]byte(`{"config":[{"xds_config":[{"status":"ERROR","listener_config":{"dynamic_listeners":[{"error_state":{"details":"x"}}]}}]}]}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := DecodeClientStatusJSON(b, "cp")
		if err == nil {
			status.Table(r.Proxies, status.TableOptions{Wide: true, Now: time.Unix(1e9, 0)})
		}
	})
}

func FuzzDecodeSynczJSON(f *testing.F) {
	f.Add([]byte(`{"resources":[{"@type":"type.googleapis.com/envoy.service.status.v3.ClientConfig","node":{"id":"p.ns"}}],"controlPlane":{"identifier":"{\"ID\":\"i\"}"}}`))
	f.Add([]byte(`{"resources":[{"@type":"type.googleapis.com/unknown.T","x":1}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := DecodeSynczJSON(b, "cp")
		if err == nil {
			status.Table(r.Proxies, status.TableOptions{Now: time.Unix(1e9, 0)})
		}
	})
}

func FuzzDecodeSynczLegacyJSON(f *testing.F) {
	f.Add([]byte(`[{"proxy":"a.b","cluster_sent":"1","cluster_acked":"1"}]`))
	f.Add([]byte(`[{"proxy":"a.b","resources":{"x":{"sent":"1","lastError":"e"}}}]`))
	f.Add([]byte(`[{"node":{"id":"a"}}]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := DecodeSynczLegacyJSON(b, "cp")
		if err == nil {
			status.Table(r.Proxies, status.TableOptions{Wide: true, Now: time.Unix(1e9, 0)})
		}
	})
}

func FuzzDecodeSyncz(f *testing.F) {
	f.Add(mustMarshal(f, synczResponse(f, `{"ID":"i"}`, bigClientConfigs(f, 2)...)))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := DecodeSyncz(b, "cp")
		if err == nil {
			status.Table(r.Proxies, status.TableOptions{Wide: true, Now: time.Unix(1e9, 0)})
		}
	})
}

func FuzzDecodeClientStatus(f *testing.F) {
	f.Add(bigClientStatus(f, 3))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := DecodeClientStatus(b, "cp")
		if err == nil {
			status.Table(r.Proxies, status.TableOptions{Wide: true, Now: time.Unix(1e9, 0)})
		}
	})
}

func FuzzNodeResources(f *testing.F) {
	f.Add(bigClientStatus(f, 2), "workload-00001-7f9c8d-x2x.ns-1")
	f.Fuzz(func(t *testing.T, b []byte, id string) {
		_, _, _ = NodeResources(b, id)
		_, _, _ = NodeResourcesJSON(b, id)
	})
}
