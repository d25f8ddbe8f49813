package configdiff

import (
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	"github.com/xdsctl/xdsctl/internal/envoydesc"
)

// typeResolver finds Envoy API message types: for the schema that guides the canonical form, and
// for decoding a control plane's binary answers.
type typeResolver interface {
	protoregistry.MessageTypeResolver
	protoregistry.ExtensionTypeResolver
}

// Types is where configdiff finds the Envoy API: the embedded descriptor set (envoydesc, the whole
// API as dynamicpb types, built lazily; the binary links no generated Envoy package). Without the
// types the comparison still works, but only on the JSON as it is (no schema: defaults, enum
// numbers and integer spellings are not unified), and binary answers cannot be decoded; Compare
// warns then.
var Types typeResolver = envoydesc.Types{}

func findByURL(url string) (protoreflect.MessageType, error) {
	return Types.FindMessageByURL(url)
}

// haveSchema tells whether the Envoy API is there at all.
func haveSchema() bool {
	_, err := Types.FindMessageByName("envoy.config.cluster.v3.Cluster")
	return err == nil
}
