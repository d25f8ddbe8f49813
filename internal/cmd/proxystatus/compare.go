package proxystatus

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/xdsctl/xdsctl/internal/admin"
	"github.com/xdsctl/xdsctl/internal/cmdutil"
	"github.com/xdsctl/xdsctl/internal/xdsclient"
	"github.com/xdsctl/xdsctl/pkg/configdiff"
	"github.com/xdsctl/xdsctl/pkg/configdump"
	"github.com/xdsctl/xdsctl/pkg/status/decode"
	"github.com/xdsctl/xdsctl/pkg/xdswire"
)

// side is one side of a comparison: a config dump and what to call it.
type side struct {
	name     string
	dump     []byte
	opaque   []string
	warnings []string
}

// runCompare compares one proxy's config with its control plane's view of it. proxyDump is the
// proxy's config dump when --file already read it.
func runCompare(ctx context.Context, o *Options, proxyDump []byte) error {
	proxy, podID, err := o.proxySide(ctx, proxyDump)
	if err != nil {
		return err
	}
	nodeID, istioID := nodeIDs(proxy.dump)
	if podID != "" {
		istioID = podID
	}
	if o.NodeID != "" {
		nodeID, istioID = o.NodeID, o.NodeID
	}
	cp, err := o.controlPlaneSide(ctx, nodeID, istioID)
	if err != nil {
		return err
	}
	res, err := configdiff.Compare(cp.dump, proxy.dump, configdiff.Options{
		ControlPlane: cp.name, Proxy: proxy.name, Opaque: cp.opaque,
		Kinds: o.diffKinds, Ignore: o.Diff.Ignore, NormalizePod: o.Diff.NormalizePod,
	})
	if err != nil {
		return err
	}
	for _, w := range append(cp.warnings, res.Warnings...) {
		fmt.Fprintf(o.IO.ErrOut, "Warning: %s\n", w)
	}
	switch {
	case o.Diff.Stat && o.Output.IsTable():
		if err := res.Report.WriteStat(o.IO.Out, configdiff.WriteOptions{NoHeaders: o.Output.NoHeaders}); err != nil {
			return err
		}
		if res.Match() {
			fmt.Fprintf(o.IO.ErrOut, "%s matches what %s sent\n", proxy.name, cp.name)
		}
	case o.Output.IsTable():
		if err := res.WriteText(o.IO.Out, o.IO.ColorEnabled()); err != nil {
			return err
		}
	default:
		data, err := json.Marshal(res)
		if err != nil {
			return err
		}
		if err := o.Output.WriteData(o.IO.Out, data); err != nil {
			return err
		}
	}
	if o.FailOnUnsynced && !res.Match() {
		return &cmdutil.ProblemsError{Msg: fmt.Sprintf("%s does not match what %s sent", proxy.name, cp.name)}
	}
	return nil
}

// proxySide reads the proxy's config dump: from --file, or from the pod through a port-forward.
// podID is pod.namespace for a live pod.
func (o *Options) proxySide(ctx context.Context, dump []byte) (s side, podID string, err error) {
	if dump == nil && o.File != "" {
		if dump, err = readInput(o.IO.In, o.File, "file"); err != nil {
			return s, "", err
		}
	}
	if dump != nil {
		if _, err := configdump.Detect(dump); err != nil {
			return s, "", fmt.Errorf("%s: %w", inputName(o.File, "file"), err)
		}
		return side{name: "proxy (" + o.File + ")", dump: dump}, "", nil
	}
	cl, err := o.Cluster()
	if err != nil {
		return s, "", err
	}
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	targets, err := cl.Resolve(ctx, cmdutil.TargetQuery{Args: []string{o.Target}, AdminPort: o.AdminPort, MaxResponse: o.MaxResponse})
	if err != nil {
		return s, "", err
	}
	defer func() {
		for _, t := range targets {
			_ = t.Client.Close()
		}
	}()
	if len(targets) == 0 {
		return s, "", fmt.Errorf("no proxy found for %q", o.Target)
	}
	t := targets[0]
	body, err := t.Client.Get(ctx, admin.PathConfigDump)
	if err != nil {
		return s, "", err
	}
	return side{name: "proxy " + t.Name, dump: body}, t.Name, nil
}

// nodeIDs reads the proxy's node id from its bootstrap, and the name istiod knows it by (pod.namespace
// of an Istio node id type~ip~pod.namespace~domain).
func nodeIDs(dump []byte) (nodeID, istioID string) {
	d, err := configdump.Parse(dump)
	if err != nil {
		return "", ""
	}
	b, ok := d.Section(configdump.SectionBootstrap)
	if !ok {
		return "", ""
	}
	nodeID = b.Get("bootstrap", "node", "id").Str()
	istioID = nodeID
	if parts := strings.Split(nodeID, "~"); len(parts) == 4 {
		istioID = parts[2]
	}
	return nodeID, istioID
}

// controlPlaneSide gets the control plane's view of the proxy as a config dump.
func (o *Options) controlPlaneSide(ctx context.Context, nodeID, istioID string) (side, error) {
	switch {
	case o.CPFile != "":
		return o.controlPlaneFile(nodeID)
	case o.XDSAddress != "":
		return o.controlPlaneCSDS(ctx, nodeID)
	}
	if istioID == "" {
		return side{}, cmdutil.WithHint(fmt.Errorf("the proxy's config dump names no node id, so istiod cannot be asked for its view"),
			"give the proxy's id at istiod (pod.namespace) with --node-id")
	}
	cl, err := o.Cluster()
	if err != nil {
		return side{}, err
	}
	b, pod, err := xdsclient.NewIstiod(cl, o.istiodOptions()).ConfigDump(ctx, istioID)
	if err != nil {
		return side{}, o.istiodHint(err)
	}
	resp, err := xdswire.ParseDiscoveryResponse(b)
	if err != nil {
		return side{}, fmt.Errorf("istiod pod %q: %w", pod, err)
	}
	secs := make([]configdiff.Section, 0, len(resp.Resources))
	for _, a := range resp.Resources {
		secs = append(secs, configdiff.Section{TypeURL: a.TypeURL, Value: a.Value})
	}
	d, err := configdiff.DumpFromSections(secs)
	if err != nil {
		return side{}, fmt.Errorf("istiod pod %q: %w", pod, err)
	}
	name := "istiod " + pod
	if id := decode.ParseControlPlaneIdentifier(resp.ControlPlane).ID; id != "" && id != pod {
		name += " (" + id + ")"
	}
	return side{name: name, dump: d.Dump, opaque: d.Opaque, warnings: d.Warnings}, nil
}

// controlPlaneCSDS asks a CSDS server for the resources it sent the node.
func (o *Options) controlPlaneCSDS(ctx context.Context, nodeID string) (side, error) {
	if nodeID == "" {
		return side{}, cmdutil.WithHint(fmt.Errorf("the proxy's config dump names no node id, so the control plane cannot be asked for its view"),
			"give the proxy's node id with --node-id")
	}
	c, err := xdsclient.Dial(o.connOptions())
	if err != nil {
		return side{}, err
	}
	defer c.Close()
	b, err := c.FetchClientStatus(ctx, nodeID)
	if err != nil {
		return side{}, o.csdsHint(err)
	}
	nc, found, err := decode.NodeResources(b, nodeID)
	if err != nil {
		return side{}, fmt.Errorf("control plane at %s: %w", o.XDSAddress, err)
	}
	if !found {
		return side{}, cmdutil.WithHint(fmt.Errorf("the control plane at %s has no proxy with node id %q connected", o.XDSAddress, nodeID),
			"check the proxy is connected (xdsctl proxy-status --xds-address "+o.XDSAddress+"), or give its id with --node-id")
	}
	return sentSide("control plane at "+o.XDSAddress, nc)
}

func sentSide(name string, nc *decode.NodeConfig) (side, error) {
	sent := make([]configdiff.Sent, 0, len(nc.Resources))
	for _, r := range nc.Resources {
		sent = append(sent, configdiff.Sent{TypeURL: r.TypeURL, Name: r.Name, Version: r.Version, Binary: r.Config.Value, JSON: r.ConfigJSON})
	}
	d, err := configdiff.DumpFromSent(sent, nc.TypesReported)
	if err != nil {
		return side{}, fmt.Errorf("%s: %w", name, err)
	}
	return side{name: name, dump: d.Dump, opaque: d.Opaque, warnings: d.Warnings}, nil
}

// controlPlaneFile reads a saved control plane view: a config dump, istiod's config_dump answer
// (a DiscoveryResponse in JSON), or a CSDS response in JSON.
func (o *Options) controlPlaneFile(nodeID string) (side, error) {
	data, err := readInput(o.IO.In, o.CPFile, cpFlag)
	if err != nil {
		return side{}, err
	}
	name := "control plane (" + o.CPFile + ")"
	switch detect(data) {
	case inputConfigDump:
		return side{name: name, dump: data}, nil
	case inputSyncz:
		var resp struct {
			Resources []json.RawMessage `json:"resources"`
		}
		if err := json.Unmarshal(data, &resp); err != nil {
			return side{}, fmt.Errorf("%s: %w", inputName(o.CPFile, cpFlag), err)
		}
		dump, err := json.Marshal(map[string]any{"configs": resp.Resources})
		if err != nil {
			return side{}, err
		}
		return side{name: name, dump: dump}, nil
	case inputCSDS:
		nc, found, err := decode.NodeResourcesJSON(data, nodeID)
		if err != nil {
			return side{}, fmt.Errorf("%s: %w", inputName(o.CPFile, cpFlag), err)
		}
		if !found {
			return side{}, cmdutil.WithHint(fmt.Errorf("%s has no node %q (it has %s)", inputName(o.CPFile, cpFlag), nodeID, strings.Join(decode.NodeIDs(data), ", ")),
				"give the proxy's node id with --node-id")
		}
		return sentSide(name, nc)
	}
	return side{}, fmt.Errorf("%s is not a config dump, nor istiod's config_dump or a CSDS response", inputName(o.CPFile, cpFlag))
}

// ControlPlaneView is what the control plane sent the proxy target (<pod>[.<namespace>] or
// <kind>/<name>), read as `proxy-status <pod>` reads it: the proxy's config dump is fetched for its
// node id, then istiod (or the CSDS server at --xds-address) is asked for its view of that node.
// xdsctl diff's cp:<pod> is this.
func (o *Options) ControlPlaneView(ctx context.Context, target string) (name string, dump []byte, opaque, warnings []string, err error) {
	o.Target = target
	proxy, podID, err := o.proxySide(ctx, nil)
	if err != nil {
		return "", nil, nil, nil, err
	}
	nodeID, istioID := nodeIDs(proxy.dump)
	if podID != "" {
		istioID = podID
	}
	if o.NodeID != "" {
		nodeID, istioID = o.NodeID, o.NodeID
	}
	cp, err := o.controlPlaneSide(ctx, nodeID, istioID)
	if err != nil {
		return "", nil, nil, nil, err
	}
	return cp.name, cp.dump, cp.opaque, cp.warnings, nil
}
