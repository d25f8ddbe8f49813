package controlplane

import (
	"context"
	"errors"
	"io"
	"regexp"
	"strings"

	statusv3 "github.com/envoyproxy/go-control-plane/envoy/service/status/v3"
	matcherv3 "github.com/envoyproxy/go-control-plane/envoy/type/matcher/v3"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/xdsctl/xdsctl/internal/controlplane/tracker"
)

// csds serves envoy.service.status.v3.ClientStatusDiscoveryService from the tracker.
type csds struct {
	statusv3.UnimplementedClientStatusDiscoveryServiceServer
	tracker *tracker.Tracker
}

func (c *csds) FetchClientStatus(_ context.Context, req *statusv3.ClientStatusRequest) (*statusv3.ClientStatusResponse, error) {
	return ClientStatus(c.tracker, req)
}

func (c *csds) StreamClientStatus(stream statusv3.ClientStatusDiscoveryService_StreamClientStatusServer) error {
	for {
		req, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		resp, err := ClientStatus(c.tracker, req)
		if err != nil {
			return err
		}
		if err := stream.Send(resp); err != nil {
			return err
		}
	}
}

// ClientStatus answers a CSDS request: one ClientConfig per connection whose node matches.
// Node matchers may match node_id (exact, prefix, suffix, contains, safe_regex); metadata matchers
// are refused as unimplemented.
func ClientStatus(t *tracker.Tracker, req *statusv3.ClientStatusRequest) (*statusv3.ClientStatusResponse, error) {
	var ids []*matcherv3.StringMatcher
	for _, m := range req.GetNodeMatchers() {
		if len(m.GetNodeMetadatas()) > 0 {
			return nil, status.Error(codes.Unimplemented, "node metadata matchers are not supported; match on node_id")
		}
		if m.GetNodeId() != nil {
			ids = append(ids, m.GetNodeId())
		}
	}
	resp := &statusv3.ClientStatusResponse{}
	for _, c := range t.Conns() {
		ok := len(ids) == 0
		for _, m := range ids {
			hit, err := matchString(m, c.NodeID)
			if err != nil {
				return nil, status.Error(codes.InvalidArgument, err.Error())
			}
			ok = ok || hit
		}
		if ok {
			resp.Config = append(resp.Config, c.ClientConfig())
		}
	}
	return resp, nil
}

func matchString(m *matcherv3.StringMatcher, s string) (bool, error) {
	v, pat := s, ""
	if m.GetIgnoreCase() {
		v = strings.ToLower(s)
	}
	lower := func(p string) string {
		if m.GetIgnoreCase() {
			return strings.ToLower(p)
		}
		return p
	}
	switch p := m.GetMatchPattern().(type) {
	case *matcherv3.StringMatcher_Exact:
		pat = lower(p.Exact)
		return v == pat, nil
	case *matcherv3.StringMatcher_Prefix:
		return strings.HasPrefix(v, lower(p.Prefix)), nil
	case *matcherv3.StringMatcher_Suffix:
		return strings.HasSuffix(v, lower(p.Suffix)), nil
	case *matcherv3.StringMatcher_Contains:
		return strings.Contains(v, lower(p.Contains)), nil
	case *matcherv3.StringMatcher_SafeRegex:
		re, err := regexp.Compile("^(?:" + p.SafeRegex.GetRegex() + ")$")
		if err != nil {
			return false, err
		}
		return re.MatchString(s), nil
	default:
		return false, errors.New("unsupported node_id matcher")
	}
}
