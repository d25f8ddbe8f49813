package proxystatus

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/xdsctl/xdsctl/internal/cmdutil"
	"github.com/xdsctl/xdsctl/internal/xdsclient"
)

// istiodHint replaces the hint of an istiod error that has a better one here: a default istiod
// refuses debug requests on its plaintext port (15010), where the client has no verified
// identity; it answers them on 15012 with TLS and a token.
func (o *Options) istiodHint(err error) error {
	if err == nil || !o.Plaintext {
		return err
	}
	if strings.Contains(err.Error(), "authentication required") || errors.Is(err, xdsclient.ErrUnauthorized) {
		port := o.XDSPort
		if port == 0 {
			port = xdsclient.PortXDSPlaintext
		}
		return cmdutil.WithHint(err, fmt.Sprintf("istiod answers debug requests only over TLS from an authenticated client, not on its plaintext port %d: "+
			"leave out --plaintext (port 15012, with a service-account token that xdsctl requests, or --token)", port))
	}
	return err
}

// csdsName is what messages call the --xds-address server: a control plane, or a client (a
// proxyless gRPC application) serving CSDS for itself.
func (o *Options) csdsName() string { return "CSDS server at " + o.XDSAddress }

// answerless is a timeout without a connection error: the server took the connection.
var answerless = regexp.MustCompile(`no answer within [0-9.a-zµ]+$`)

// csdsHint replaces the hint of a CSDS server that took the connection and never answered: it
// may be a frozen client as well as a control plane.
func (o *Options) csdsHint(err error) error {
	if errors.Is(err, xdsclient.ErrTimeout) && answerless.MatchString(err.Error()) {
		return cmdutil.WithHint(err, fmt.Sprintf("%s accepted the connection but sent no answer: the process may be frozen or overloaded "+
			"(a stopped or deadlocked gRPC client, a busy control plane); check it is alive, or raise --timeout", o.csdsName()))
	}
	return err
}
