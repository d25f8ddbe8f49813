package proxyconfig

import (
	"errors"
	"reflect"
	"testing"

	"github.com/xdsctl/xdsctl/internal/cmdutil"
)

func TestLogOptions(t *testing.T) {
	cases := []struct {
		name    string
		level   string
		reset   bool
		want    []string
		wantErr string
	}{
		{name: "show", want: []string{"/logging"}},
		{name: "all", level: "debug", want: []string{"/logging?level=debug"}},
		{name: "warn is warning", level: "WARN", want: []string{"/logging?level=warning"}},
		{name: "loggers", level: "http:debug,router:info", want: []string{"/logging?http=debug", "/logging?router=info"}},
		{name: "all then loggers", level: "error, upstream:trace", want: []string{"/logging?level=error", "/logging?upstream=trace"}},
		{name: "reset", reset: true, want: []string{"/logging?level=warning"}},
		{name: "reset then loggers", reset: true, level: "http:debug", want: []string{"/logging?level=warning", "/logging?http=debug"}},
		{name: "reset then level", reset: true, level: "info", want: []string{"/logging?level=info"}},
		{name: "bad level", level: "http:loud", wantErr: `invalid log level "loud" in --level "http:loud": use trace, debug, info, warning, error, critical or off`},
		{name: "bad all level", level: "verbose", wantErr: `invalid log level "verbose"`},
		{name: "two all levels", level: "debug,info", wantErr: `--level "debug,info" sets every logger twice`},
		{name: "no logger name", level: ":debug", wantErr: `invalid --level ":debug": no logger name before ":debug"`},
		{name: "empty", level: " ", wantErr: "--level is empty"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o := &LogOptions{Level: tc.level, Reset: tc.reset, Output: "short"}
			o.Source.Timeout = 1
			err := o.validate([]string{"pod"})
			if tc.wantErr != "" {
				var fe *cmdutil.FlagError
				if err == nil || !errors.As(err, &fe) || len(err.Error()) < len(tc.wantErr) || err.Error()[:len(tc.wantErr)] != tc.wantErr {
					t.Fatalf("error %v, want usage error %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := o.requests(); !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("requests %q, want %q", got, tc.want)
			}
		})
	}
}

func TestLogOptionsSource(t *testing.T) {
	o := &LogOptions{Output: "short"}
	o.Source.Timeout = 1
	if err := o.validate(nil); err == nil || err.Error() != "give a <pod>[.<namespace>], -l <selector> or --admin <url>" {
		t.Errorf("no target: %v", err)
	}
	o = &LogOptions{Output: "table"}
	o.Source.Timeout = 1
	if err := o.validate([]string{"x"}); err == nil || err.Error() != `unknown output format "table": use one of short, json, yaml` {
		t.Errorf("bad -o: %v", err)
	}
}

func TestParseLoggers(t *testing.T) {
	body := "active loggers:\n  upstream: debug\n  admin: info\n  http2: warning\n\n"
	got := parseLoggers([]byte(body))
	want := []loggerLevel{{"admin", "info"}, {"http2", "warning"}, {"upstream", "debug"}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%+v", got)
	}
	if got := parseLoggers([]byte("error: unknown logger name\n")); len(got) != 0 {
		t.Errorf("%+v", got)
	}
}
