package proxyconfig

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/xdsctl/xdsctl/internal/admin"
	"github.com/xdsctl/xdsctl/internal/cmdutil"
	"github.com/xdsctl/xdsctl/internal/livefetch"
	"github.com/xdsctl/xdsctl/pkg/render"
)

// resetLevel is what --reset sets every logger to: Istio's default proxy log level.
const resetLevel = "warning"

// envoyLogLevels are the levels Envoy's /logging accepts; warn is an alias of warning.
var envoyLogLevels = map[string]string{
	"trace": "trace", "debug": "debug", "info": "info", "warning": "warning", "warn": "warning",
	"error": "error", "critical": "critical", "off": "off",
}

// LogOptions are the options of `proxy-config log`.
type LogOptions struct {
	Source cmdutil.SourceOptions
	Output string // short (Envoy's text) or json/yaml
	Level  string
	Reset  bool

	all     string      // level for every logger ("" = unchanged)
	loggers [][2]string // logger -> level, in the order given
}

// NewCmdLog returns `proxy-config log`.
func NewCmdLog(f *cmdutil.Factory, runF func(*LogOptions) error) *cobra.Command {
	opts := &LogOptions{}
	cmd := &cobra.Command{
		Use:     "log {<pod>[.<namespace>] | -l <selector> | --admin <url>} [--level <level> | <logger>:<level>,...] [--reset]",
		Aliases: []string{"o"},
		Short:   "Show or set the log levels of an Envoy proxy",
		Long: `Show the log level of every logger of an Envoy proxy, or set them. With no flags the levels are
shown. --level sets every logger (--level debug), some loggers (--level http:debug,router:info),
or both (--level warning,http:debug: every logger to warning, then http to debug). --reset sets
every logger to ` + resetLevel + ` (Istio's default) first. The levels are printed after the change.

Levels: trace, debug, info, warning (or warn), error, critical, off. Envoy names its loggers
(admin, connection, http, router, upstream, ...): run without flags to list them.`,
		Example: `# show the levels of a pod's proxy
xdsctl proxy-config log reviews-v1-545db77b95-2pkbx.default

# debug HTTP and router logs, on every pod of a deployment
xdsctl pc log -l app=reviews --level http:debug,router:debug

# back to the defaults
xdsctl pc log deployment/reviews-v1 --reset

# an Envoy outside Kubernetes
xdsctl pc log --admin http://127.0.0.1:9901 --level info`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := opts.validate(args); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return runLog(cmd.Context(), f, opts)
		},
	}
	cmdutil.AddLiveSourceFlags(cmd, &opts.Source)
	cmd.Flags().StringVar(&opts.Level, "level", "", "Set `levels`: <level> for every logger, <logger>:<level>,... for some, or both")
	cmd.Flags().BoolVarP(&opts.Reset, "reset", "r", false, "Set every logger to "+resetLevel+" first")
	cmd.Flags().StringVarP(&opts.Output, "output", "o", "short", "Output format: one of short|json|yaml")
	return cmd
}

func (o *LogOptions) validate(args []string) error {
	if err := o.Source.ValidateLive(args); err != nil {
		return err
	}
	switch o.Output {
	case "short", "json", "yaml":
	default:
		return cmdutil.FlagErrorf("unknown output format %q: use one of short, json, yaml", o.Output)
	}
	if o.Reset {
		o.all = resetLevel
	}
	if strings.TrimSpace(o.Level) == "" {
		if o.Level != "" {
			return cmdutil.FlagErrorf("--level is empty: give a level (debug) or <logger>:<level> pairs")
		}
		return nil
	}
	for _, part := range strings.Split(o.Level, ",") {
		part = strings.TrimSpace(part)
		name, lv, hasName := strings.Cut(part, ":")
		if !hasName {
			lv, name = name, ""
		}
		level, ok := envoyLogLevels[strings.ToLower(lv)]
		if !ok {
			return cmdutil.FlagErrorf("invalid log level %q in --level %q: use trace, debug, info, warning, error, critical or off", lv, o.Level)
		}
		if !hasName {
			if o.all != "" && !o.Reset {
				return cmdutil.FlagErrorf("--level %q sets every logger twice; give one <level> and <logger>:<level> pairs", o.Level)
			}
			o.all = level
			continue
		}
		if name == "" {
			return cmdutil.FlagErrorf("invalid --level %q: no logger name before %q", o.Level, ":"+lv)
		}
		o.loggers = append(o.loggers, [2]string{name, level})
	}
	return nil
}

// requests are the POSTs to make, in order; the last answer lists the levels after all changes.
// Each logger is set with its own request (?<logger>=<level>), which every Envoy version accepts.
func (o *LogOptions) requests() []string {
	var out []string
	if o.all != "" {
		out = append(out, admin.PathLogging+"?level="+url.QueryEscape(o.all))
	}
	for _, l := range o.loggers {
		out = append(out, admin.PathLogging+"?"+url.QueryEscape(l[0])+"="+url.QueryEscape(l[1]))
	}
	if len(out) == 0 {
		out = append(out, admin.PathLogging) // no change: Envoy answers with the levels
	}
	return out
}

const logBody = "levels"

func runLog(ctx context.Context, f *cmdutil.Factory, o *LogOptions) error {
	resolver, err := f.Resolver()
	if err != nil {
		return err
	}
	reqs := o.requests()
	res, err := livefetch.Do(ctx, f.IOStreams, resolver, o.Source.Query(), livefetch.Options{Timeout: o.Source.Timeout},
		func(ctx context.Context, c admin.Client) (map[string][]byte, error) {
			var last []byte
			for _, p := range reqs {
				b, err := c.Post(ctx, p)
				if err != nil {
					return nil, o.explain(err, p)
				}
				last = b
			}
			return map[string][]byte{logBody: last}, nil
		})
	if err != nil {
		return err
	}
	if len(res) == 1 && res[0].Err != nil {
		return res[0].Err
	}
	ios := f.IOStreams
	multi := len(res) > 1
	var failed []string
	var groups []json.RawMessage
	printed := 0
	for _, r := range res {
		if r.Err != nil {
			failed = append(failed, fmt.Sprintf("%s: %v", r.Target, r.Err))
			continue
		}
		body := r.Bodies[logBody]
		if o.Output == "short" {
			if multi {
				if printed > 0 {
					fmt.Fprintln(ios.Out)
				}
				fmt.Fprintf(ios.Out, "%s:\n", r.Target)
			}
			fmt.Fprintf(ios.Out, "%s\n", strings.TrimRight(string(body), "\n"))
			printed++
			continue
		}
		levels, err := json.Marshal(parseLoggers(body))
		if err != nil {
			return err
		}
		name, _ := json.Marshal(r.Target)
		groups = append(groups, json.RawMessage(fmt.Sprintf(`{"proxy":%s,"loggers":%s}`, name, levels)))
	}
	if o.Output != "short" && len(groups) > 0 {
		data := []byte(groups[0])
		if multi {
			if data, err = render.JSONArray(groups); err != nil {
				return err
			}
		}
		if o.Output == "yaml" {
			err = render.WriteYAML(ios.Out, data)
		} else {
			_, err = fmt.Fprintf(ios.Out, "%s\n", data)
		}
		if err != nil {
			return err
		}
	}
	return cmdutil.ProxiesFailed(ios.ErrOut, failed, len(res), nil)
}

// explain turns Envoy's 404 for a logger it does not have into a clear error.
func (o *LogOptions) explain(err error, path string) error {
	var se *admin.StatusError
	if !errors.As(err, &se) || se.Code != 404 /* Not Found */ || !strings.HasPrefix(path, admin.PathLogging+"?") {
		return err
	}
	q, _ := url.ParseQuery(strings.TrimPrefix(path, admin.PathLogging+"?"))
	for k := range q {
		if k != "level" && strings.Contains(se.Body, "unknown logger name") {
			return cmdutil.WithHint(fmt.Errorf("%s: Envoy has no logger %q", se.What, k),
				"list the loggers with: xdsctl proxy-config log <target> (without --level)")
		}
	}
	return err
}

// loggerLevel is one line of Envoy's "active loggers:" list.
type loggerLevel struct {
	Name  string `json:"name"`
	Level string `json:"level"`
}

// parseLoggers reads Envoy's /logging answer ("active loggers:" then "  name: level" lines).
func parseLoggers(body []byte) []loggerLevel {
	out := []loggerLevel{}
	for _, line := range strings.Split(string(body), "\n") {
		if !strings.HasPrefix(line, "  ") {
			continue
		}
		name, level, ok := strings.Cut(strings.TrimSpace(line), ": ")
		if ok {
			out = append(out, loggerLevel{Name: name, Level: level})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
