package cmdutil

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// StrictUsage makes every usage mistake in the tree under root a usage error (exit 2) instead of
// help text with exit 0 or a plain error with exit 1, as kubectl and gh do:
//   - a command group (a command with subcommands and no action of its own) run with an argument
//     that names none of its subcommands: `unknown command "listner" for "xdsctl proxy-config"`,
//     with cobra's suggestions; run alone it prints its help (exit 0), as `kubectl config` does;
//   - a wrong number of arguments (cobra's Args validators);
//   - a flag value that does not parse: the flag and what it takes are named, not strconv's words.
//
// Call it once, after every command was added.
func StrictUsage(root *cobra.Command) {
	root.SetFlagErrorFunc(flagError)
	root.InitDefaultHelpCmd() // cobra adds help and completion when it executes: they are commands too
	root.InitDefaultCompletionCmd()
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		c.SuggestionsMinimumDistance = 2
		if c.HasSubCommands() && !c.Runnable() {
			if c.Annotations == nil {
				c.Annotations = map[string]string{}
			}
			c.Annotations[groupAnnotation] = "true"
			c.Args = unknownSubcommand
			c.RunE = func(c *cobra.Command, _ []string) error { return c.Help() }
		} else if c.Args != nil {
			c.Args = usageArgs(c.Args)
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}

// groupAnnotation marks the command groups StrictUsage gave an argument check.
const groupAnnotation = "xdsctl/group"

// usageArgs makes an argument validator's complaint a usage error.
func usageArgs(v cobra.PositionalArgs) cobra.PositionalArgs {
	return func(c *cobra.Command, args []string) error {
		if err := v(c, args); err != nil {
			return &FlagError{err: err}
		}
		return nil
	}
}

// unknownSubcommand is the argument validator of command groups.
func unknownSubcommand(c *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	return unknownCommandError(c, args[0])
}

func unknownCommandError(c *cobra.Command, name string) error {
	msg := fmt.Sprintf("unknown command %q for %q", name, c.CommandPath())
	if s := c.SuggestionsFor(name); len(s) > 0 {
		msg += "; did you mean " + strings.Join(quoteAll(s), " or ") + "?"
	} else {
		msg += "; the commands are " + strings.Join(quoteAll(subcommandNames(c)), ", ")
	}
	return &FlagError{err: fmt.Errorf("%s", msg)}
}

func quoteAll(s []string) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[i] = fmt.Sprintf("%q", v)
	}
	return out
}

func subcommandNames(c *cobra.Command) []string {
	var names []string
	for _, sub := range c.Commands() {
		if sub.IsAvailableCommand() {
			names = append(names, sub.Name())
		}
	}
	return names
}

// CheckSubcommand finds a mistyped subcommand before cobra parses flags: `xdsctl pc listner
// --demo` is about the command, not about --demo, which only the right subcommand has. It
// returns the usage error, or nil when args name a command (or none is needed).
func CheckSubcommand(root *cobra.Command, args []string) error {
	if len(args) > 0 && (args[0] == cobra.ShellCompRequestCmd || args[0] == cobra.ShellCompNoDescRequestCmd) {
		return nil // shell completion asks about partial words
	}
	c, rest, err := root.Find(args)
	if err != nil || c == nil || c.Annotations[groupAnnotation] == "" {
		return nil
	}
	for i := 0; i < len(rest); i++ {
		a := rest[i]
		switch {
		case a == "--":
			return nil
		case strings.HasPrefix(a, "-"):
			if takesValue(c, a) {
				i++
			}
		default:
			return unknownCommandError(c, a)
		}
	}
	return nil
}

// takesValue tells whether a flag token (--name, -n, --name=v) is followed by its value.
func takesValue(c *cobra.Command, tok string) bool {
	if strings.Contains(tok, "=") {
		return false
	}
	name := strings.TrimLeft(tok, "-")
	var f *pflag.Flag
	sets := []*pflag.FlagSet{c.Flags(), c.InheritedFlags(), c.Root().PersistentFlags()}
	for _, sub := range c.Commands() { // `pc -o json listeners`: a subcommand's flag before it
		sets = append(sets, sub.Flags())
	}
	for _, fs := range sets {
		if strings.HasPrefix(tok, "--") {
			f = fs.Lookup(name)
		} else if len(name) == 1 {
			f = fs.ShorthandLookup(name)
		}
		if f != nil {
			return f.NoOptDefVal == ""
		}
	}
	return false // unknown: cobra reports it after the command is found
}

// flagValueError is pflag's message for a value that does not parse:
// invalid argument "abc" for "-p, --port" flag: strconv.ParseInt: parsing "abc": invalid syntax
var flagValueError = regexp.MustCompile(`^invalid argument "(.*)" for "(?:-\w, )?--([\w-]+)" flag: `)

// flagError makes cobra's flag errors usage errors, and says what a flag takes when its value
// does not parse.
func flagError(c *cobra.Command, err error) error {
	if m := flagValueError.FindStringSubmatch(err.Error()); m != nil {
		if f := c.Flags().Lookup(m[2]); f != nil {
			return FlagErrorf("invalid value %q for --%s: %s", m[1], m[2], takes(f))
		}
	}
	return FlagErrorf("%s", err.Error())
}

// takes says in words what a flag's value must be.
func takes(f *pflag.Flag) string {
	switch t := f.Value.Type(); t {
	case "int", "int8", "int16", "int32", "int64":
		return "want a whole number, e.g. --" + f.Name + " " + exampleValue(f, "10")
	case "uint", "uint8", "uint16", "uint32", "uint64":
		return "want a whole number of 0 or more, e.g. --" + f.Name + " " + exampleValue(f, "10")
	case "float32", "float64":
		return "want a number, e.g. --" + f.Name + " 0.5"
	case "duration":
		return "want a duration such as 500ms, 30s or 2m"
	case "bool":
		return "want true or false (or the flag alone for true)"
	case "count":
		return "want a count"
	case "size": // --max-response (size.go)
		return "want a size above 0 such as 512Mi or 2Gi (or bytes), e.g. --" + f.Name + " " + exampleValue(f, "1Gi")
	default:
		return "want a " + t
	}
}

func exampleValue(f *pflag.Flag, fallback string) string {
	if d := f.DefValue; d != "" && d != "0" {
		return d
	}
	return fallback
}
