// Package validate checks an Envoy resource as strictly as Envoy does before it accepts it: a
// Listener, Cluster, RouteConfiguration, ClusterLoadAssignment, Secret — or any message of the
// Envoy API — and every typed_config (google.protobuf.Any) inside it, recursively.
//
// It is the one validator of xdsctl: the emulated sidecar NACKs what it reports as errors, and
// `xdsctl analyze` shows what it reports.
//
// What it checks:
//   - JSON input (JSON): what Envoy's JSON parser refuses — an unknown field, a value of the wrong
//     JSON type, a malformed duration or timestamp, an enum value name the API does not define, an
//     integer out of range, two fields of one oneof. Field names may be Envoy's (snake_case) or
//     camelCase.
//   - The protoc-gen-validate rules the API declares and Envoy enforces (MessageUtil::validate):
//     required fields and oneofs, numeric and duration ranges (port_value <= 65535, connect_timeout
//     > 0s), string and list lengths, patterns, defined enum values, unique items…
//   - The checks Envoy makes when it builds a resource from the proto (a listener's duplicate
//     filter chain match, an HTTP connection manager whose router filter is not last, …).
//
// A typed_config whose type the Envoy API does not declare (a custom extension) is reported as
// Info, never as an error: a proxy built with that extension may accept it.
//
// Descriptors and rules come from internal/envoydesc (the whole Envoy API, embedded) and from
// rules.pb.zz, the validate options of that API (written by internal/envoydesc/gen -rules); no
// generated Envoy Go package is linked, so this package is cheap to link into any program.
//
//	for _, p := range validate.JSON("envoy.config.cluster.v3.Cluster", data) {
//		fmt.Println(p) // connect_timeout: value must be greater than 0s
//	}
package validate

import (
	"fmt"
	"strings"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/dynamicpb"

	"github.com/xdsctl/xdsctl/internal/envoydesc"
)

// Severity says whether a Problem makes Envoy reject the resource.
type Severity int

const (
	// Error: Envoy rejects the resource (a NACK for a dynamic resource).
	Error Severity = iota
	// Info: something the validator could not check, such as a typed_config of a type the Envoy
	// API does not declare (Envoy accepts it only if it was built with that extension).
	Info
)

func (s Severity) String() string {
	if s == Info {
		return "info"
	}
	return "error"
}

// MarshalText makes a Severity "error" or "info" in JSON.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Kind says which check found a problem.
type Kind int

const (
	// KindJSON: Envoy's JSON parser refuses the value (unknown field, wrong JSON type, bad
	// duration, undefined enum name…).
	KindJSON Kind = iota
	// KindRule: a protoc-gen-validate rule of the API (required, a range, a length…).
	KindRule
	// KindEnvoy: a check Envoy makes when it builds the resource (duplicate filter chain match…).
	KindEnvoy
	// KindUnknownType (Info): a google.protobuf.Any of a type the Envoy API does not declare.
	// Envoy rejects it in a typed_config unless it was built with that extension.
	KindUnknownType
	// KindUnknownField (Info): a binary message carries field numbers the API does not declare.
	// Envoy ignores them in dynamic config, unless started with --reject-unknown-dynamic-fields.
	KindUnknownField
)

var kindNames = [...]string{KindJSON: "json", KindRule: "rule", KindEnvoy: "envoy", KindUnknownType: "unknown-type", KindUnknownField: "unknown-field"}

// String is "json", "rule", "envoy", "unknown-type" or "unknown-field".
func (k Kind) String() string {
	if k >= 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "unknown"
}

// MarshalText makes a Kind its String in JSON.
func (k Kind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// Problem is one thing wrong with a resource.
type Problem struct {
	// Path is where, in Envoy's field names from the resource's top:
	// "filter_chains[0].filters[1].typed_config.route_config.virtual_hosts[2].domains", a map
	// entry as `metadata.filter_metadata["istio"]`. "" is the resource itself.
	Path string `json:"path"`
	// Message says what is wrong, worded as Envoy words it: "value must be greater than 0s",
	// `unknown field "conect_timeout"`.
	Message string `json:"message"`
	// Envoy is the whole text Envoy reports when it rejects the resource for this problem, as it
	// appears in a NACK's error_detail: "Proto constraint validation failed
	// (ClusterValidationError.ConnectTimeout: value must be greater than 0s)".
	Envoy    string   `json:"envoy"`
	Severity Severity `json:"severity"`
	Kind     Kind     `json:"kind"`
}

// String is "path: message" ("message" for the resource itself).
func (p Problem) String() string {
	if p.Path == "" {
		return p.Message
	}
	return p.Path + ": " + p.Message
}

// JSON validates one resource given as JSON. typ is the resource's type, as a full message name
// ("envoy.config.listener.v3.Listener") or a type URL; "" takes it from the JSON's "@type". The
// problems come in a stable order: those of the JSON (object keys sorted) and unknown types first,
// then the rules' and Envoy's checks, in the order of the API's fields.
func JSON(typ string, data []byte) []Problem {
	md, p := resolveType(typ, data)
	if p != nil {
		return []Problem{*p}
	}
	var c checker
	clean, ok := c.json(md, data)
	if !ok {
		return c.problems
	}
	m := dynamicpb.NewMessage(md)
	if err := unmarshalJSON(clean, m); err != nil {
		// The walk above accepts only what protojson accepts; this is a validator defect, said as one.
		c.add("", "cannot decode: "+cleanErr(err), "Unable to parse JSON as proto ("+cleanErr(err)+")", Error, KindJSON)
		return c.problems
	}
	c.message(m)
	return c.problems
}

// Message validates one resource given as a protobuf message: a go-control-plane type or a
// dynamic message of internal/envoydesc's descriptors. Fields a binary message carries that the
// Envoy API does not declare are reported as Info (Envoy ignores them in dynamic config).
func Message(m proto.Message) []Problem {
	md := envoydesc.FindMessage(m.ProtoReflect().Descriptor().FullName())
	if md == nil {
		name := m.ProtoReflect().Descriptor().FullName()
		return []Problem{{Message: fmt.Sprintf("unknown type %s", name), Envoy: fmt.Sprintf("Unable to find type %s", name), Severity: Info, Kind: KindUnknownType}}
	}
	dm, ok := m.(*dynamicpb.Message)
	if !ok || dm.Descriptor() != md {
		b, err := proto.MarshalOptions{Deterministic: true}.Marshal(m)
		if err != nil {
			return []Problem{{Message: "cannot encode: " + cleanErr(err), Envoy: cleanErr(err), Kind: KindJSON}}
		}
		dm = dynamicpb.NewMessage(md)
		if err := (proto.UnmarshalOptions{}).Unmarshal(b, dm); err != nil {
			return []Problem{{Message: "cannot decode: " + cleanErr(err), Envoy: cleanErr(err), Kind: KindJSON}}
		}
	}
	var c checker
	c.message(dm)
	return c.problems
}

// Errors returns the problems of severity Error.
func Errors(ps []Problem) []Problem {
	var out []Problem
	for _, p := range ps {
		if p.Severity == Error {
			out = append(out, p)
		}
	}
	return out
}

// resolveType finds the descriptor of typ, or of the JSON's "@type" when typ is "".
func resolveType(typ string, data []byte) (protoreflect.MessageDescriptor, *Problem) {
	if typ == "" {
		typ = peekType(data)
		if typ == "" {
			return nil, &Problem{Message: `no type given and no "@type" in the JSON`, Envoy: "no type", Severity: Error, Kind: KindJSON}
		}
	}
	name := typ[strings.LastIndexByte(typ, '/')+1:]
	md := envoydesc.FindMessage(protoreflect.FullName(name))
	if md == nil {
		return nil, &Problem{Message: fmt.Sprintf("unknown type %s", name), Envoy: fmt.Sprintf("Unable to find type %s", name), Severity: Info, Kind: KindUnknownType}
	}
	return md, nil
}

func cleanErr(err error) string {
	s := strings.ReplaceAll(err.Error(), "\u00a0", " ")
	s = strings.TrimPrefix(s, "proto: ")
	return s
}
