package validate

import "google.golang.org/protobuf/reflect/protoreflect"

// semantic runs the checks Envoy makes when it builds a resource of m's type from the proto.
func (c *checker) semantic(m protoreflect.Message) {}
