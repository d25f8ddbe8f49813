package kubetest

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/tools/portforward"
	"k8s.io/client-go/transport/spdy"
)

// Where forwards go that must be refused, as a real pod's port where nothing listens: ports of a
// pod without a rule (the cluster-wide rule kwok starts with), and ports a pod's rule does not
// name. Nothing listens on 127.0.0.1:1 (tcpmux, unused).
const (
	closedHost = "127.0.0.1"
	closedPort = 1
)

// probePort is a port every PortForward rule the harness writes also forwards, to
// 127.0.0.1:probeTarget where nothing listens either. kwok reads the rules through an informer,
// so a rule written a moment ago may not be there yet (a port-forward then follows the
// cluster-wide rule); a port-forward to probePort tells for sure which rule kwok used, by the
// address it failed to dial. The targets of the test's own ports see nothing of it.
const (
	probePort   = 1
	probeTarget = 2
)

// waitForwardRule waits until kwok has the PortForward rule of ns/pod.
func (c *Cluster) waitForwardRule(ctx context.Context, ns, pod string) error {
	for {
		msg, err := c.probeForward(ctx, ns, pod, probePort)
		if err == nil && strings.Contains(msg, fmt.Sprintf("%s:%d", closedHost, probeTarget)) {
			return nil
		}
		if err == nil {
			err = fmt.Errorf("%s", msg)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("kwok has no port-forward rule for pod %s/%s: %v", ns, pod, err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// probeForward opens one port-forward stream pair to port and returns what kwok wrote on the
// error stream ("" when it forwarded).
func (c *Cluster) probeForward(ctx context.Context, ns, pod string, port int) (string, error) {
	u := c.Client.CoreV1().RESTClient().Post().Resource("pods").Namespace(ns).Name(pod).SubResource("portforward").URL()
	tr, up, err := spdy.RoundTripperFor(c.Config)
	if err != nil {
		return "", err
	}
	conn, _, err := spdy.NewDialer(up, &http.Client{Transport: tr}, http.MethodPost, u).Dial(portforward.PortForwardProtocolV1Name)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	h := http.Header{}
	h.Set(corev1.StreamType, corev1.StreamTypeError)
	h.Set(corev1.PortHeader, strconv.Itoa(port))
	h.Set(corev1.PortForwardRequestIDHeader, "0")
	errStream, err := conn.CreateStream(h)
	if err != nil {
		return "", err
	}
	_ = errStream.Close() // nothing to send on it
	h.Set(corev1.StreamType, corev1.StreamTypeData)
	data, err := conn.CreateStream(h)
	if err != nil {
		return "", err
	}
	_ = data.Close()
	done := make(chan struct{})
	var msg []byte
	go func() {
		msg, _ = io.ReadAll(errStream)
		close(done)
	}()
	select {
	case <-done:
	case <-ctx.Done():
		return "", ctx.Err()
	case <-time.After(5 * time.Second):
		return "", fmt.Errorf("no answer on the port-forward error stream")
	}
	return string(msg), nil
}
