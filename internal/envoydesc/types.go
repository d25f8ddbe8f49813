package envoydesc

import (
	"strings"

	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/dynamicpb"
)

// Types resolves message types of the Envoy API as dynamicpb messages, for protojson and
// proto.Unmarshal of Envoy messages without linking go-control-plane's Go packages:
//
//	m := dynamicpb.NewMessage(envoydesc.FindMessage("envoy.service.status.v3.ClientStatusResponse"))
//	err := protojson.UnmarshalOptions{Resolver: envoydesc.Types{}}.Unmarshal(data, m)
//
// Extensions are not resolved (the Envoy API declares none that appear in its JSON).
type Types struct{}

var (
	_ protoregistry.MessageTypeResolver   = Types{}
	_ protoregistry.ExtensionTypeResolver = Types{}
)

// FindMessageByName implements protoregistry.MessageTypeResolver.
func (Types) FindMessageByName(name protoreflect.FullName) (protoreflect.MessageType, error) {
	md := FindMessage(name)
	if md == nil {
		return nil, protoregistry.NotFound
	}
	return dynamicpb.NewMessageType(md), nil
}

// FindMessageByURL implements protoregistry.MessageTypeResolver.
func (t Types) FindMessageByURL(url string) (protoreflect.MessageType, error) {
	return t.FindMessageByName(protoreflect.FullName(url[strings.LastIndexByte(url, '/')+1:]))
}

// FindExtensionByName implements protoregistry.ExtensionTypeResolver; it finds nothing.
func (Types) FindExtensionByName(protoreflect.FullName) (protoreflect.ExtensionType, error) {
	return nil, protoregistry.NotFound
}

// FindExtensionByNumber implements protoregistry.ExtensionTypeResolver; it finds nothing.
func (Types) FindExtensionByNumber(protoreflect.FullName, protoreflect.FieldNumber) (protoreflect.ExtensionType, error) {
	return nil, protoregistry.NotFound
}
