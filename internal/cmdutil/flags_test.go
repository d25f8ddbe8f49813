package cmdutil

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestSourceOptionsValidate(t *testing.T) {
	cases := []struct {
		name    string
		s       SourceOptions
		args    []string
		live    bool
		wantErr string
	}{
		{name: "file", s: SourceOptions{File: "d.json"}},
		{name: "pod", args: []string{"x.ns"}},
		{name: "selector", s: SourceOptions{Selector: "app=x"}},
		{name: "selector in all namespaces", s: SourceOptions{Selector: "app=x", AllNamespaces: true}},
		{name: "admin", s: SourceOptions{AdminURL: "http://127.0.0.1:9901"}},
		{name: "nothing", wantErr: "give a <pod>[.<namespace>], -l <selector>, --admin <url> or --file <path>"},
		{name: "nothing live", live: true, wantErr: "give a <pod>[.<namespace>], -l <selector> or --admin <url>"},
		{name: "two", s: SourceOptions{File: "d.json"}, args: []string{"x"}, wantErr: "give only one of <pod>, -l <selector>, --admin <url> or --file <path>"},
		{name: "pod and selector", s: SourceOptions{Selector: "a=b"}, args: []string{"x"}, wantErr: "give only one of"},
		{name: "-A without -l", s: SourceOptions{AllNamespaces: true}, args: []string{"x"}, wantErr: "-A/--all-namespaces works with -l <selector>"},
		{name: "zero timeout", s: SourceOptions{Timeout: -1}, args: []string{"x"}, wantErr: "--timeout must be positive, got -1ns"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := tc.s
			if s.Timeout == 0 {
				s.Timeout = 10 * time.Second
			}
			validate := s.Validate
			if tc.live {
				validate = s.ValidateLive
			}
			err := validate(tc.args)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var fe *FlagError
			if err == nil || !errors.As(err, &fe) || len(err.Error()) < len(tc.wantErr) || err.Error()[:len(tc.wantErr)] != tc.wantErr {
				t.Fatalf("error %v, want usage error %q", err, tc.wantErr)
			}
		})
	}
}

func TestSourceOptionsQuery(t *testing.T) {
	s := SourceOptions{Selector: "app=x", AllNamespaces: true, AdminPort: 19000, Timeout: time.Second}
	if err := s.Validate(nil); err != nil {
		t.Fatal(err)
	}
	q := s.Query()
	if q.Selector != "app=x" || !q.AllNamespaces || q.AdminPort != 19000 || len(q.Args) != 0 || q.AdminURL != "" {
		t.Fatalf("%+v", q)
	}
	for _, tc := range []struct {
		s    SourceOptions
		want string
	}{
		{SourceOptions{File: "-"}, "standard input"},
		{SourceOptions{File: "d.json"}, `file "d.json"`},
		{SourceOptions{AdminURL: "http://h:1"}, "http://h:1"},
		{SourceOptions{Targets: []string{"a", "b.ns"}}, "a,b.ns"},
	} {
		if got := tc.s.Describe(); got != tc.want {
			t.Errorf("Describe() = %q, want %q", got, tc.want)
		}
	}
}

func TestOutputOptions(t *testing.T) {
	o := OutputOptions{Format: "short", JQ: ".[] | .name"}
	if err := o.Validate(); err != nil || o.Format != "json" || o.JQCode() == nil {
		t.Fatalf("Validate: %v, format %q, code %v", err, o.Format, o.JQCode())
	}
	var b strings.Builder
	if err := o.WriteData(&b, []byte(`[{"name":"a"},{"name":"b"}]`)); err != nil || b.String() != "a\nb\n" {
		t.Fatalf("WriteData with --jq: %q, %v", b.String(), err)
	}

	// a bad expression is a usage error at Validate, before any work is done
	bad := OutputOptions{Format: "short", JQ: ".[ | x"}
	var fe *FlagError
	if err := bad.Validate(); !errors.As(err, &fe) || !strings.HasPrefix(err.Error(), `--jq ".[ | x": `) {
		t.Fatalf("bad --jq: %v", err)
	}
	if err := (&OutputOptions{Format: "wide", JQ: "."}).Validate(); err == nil || err.Error() != "--jq works on JSON output; drop -o wide" {
		t.Fatalf("--jq with -o wide: %v", err)
	}

	y := OutputOptions{Format: "yaml"}
	b.Reset()
	if err := y.Validate(); err != nil {
		t.Fatal(err)
	}
	if err := y.WriteData(&b, []byte(`{"a":[1,2]}`)); err != nil || b.String() != "a:\n- 1\n- 2\n" {
		t.Fatalf("WriteData as YAML: %q, %v", b.String(), err)
	}
	j := OutputOptions{Format: "json"}
	b.Reset()
	if err := j.WriteData(&b, []byte(`{"a":1}`)); err != nil || b.String() != "{\n  \"a\": 1\n}\n" {
		t.Fatalf("WriteData as JSON: %q, %v", b.String(), err)
	}
}
