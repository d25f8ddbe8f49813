package cmdutil

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestProxiesFailed(t *testing.T) {
	var b bytes.Buffer
	assert.NoError(t, ProxiesFailed(&b, nil, 3, []string{"unused"}))
	assert.Empty(t, b.String())

	err := ProxiesFailed(&b, []string{"a: refused", "b: timeout"}, 3, []string{"check the port"})
	assert.ErrorIs(t, err, SilentError)
	assert.Equal(t, "Error: 2 of 3 proxies failed:\n  a: refused\n  b: timeout\nHint: check the port\n", b.String())
}
