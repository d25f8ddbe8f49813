package trace

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// uriTemplate is a path_template of Envoy's uri_template path matcher, turned into a regex:
// `*` matches one path segment, `**` zero or more (only last), `{name}` and `{name=*}` capture one
// segment, `{name=videos/*}` and `{name=**}` capture several.
type uriTemplate struct {
	re    *regexp.Regexp
	names []string
}

const (
	oneSegment   = `[^/?#]+`
	manySegments = `[^?#]*`
)

func parseURITemplate(t string) (*uriTemplate, error) {
	if !strings.HasPrefix(t, "/") {
		return nil, errors.New("a path template starts with /")
	}
	var b strings.Builder
	var names []string
	seenMany := false
	operator := func(op string) (string, error) {
		if seenMany {
			return "", errors.New("** must be the last operator")
		}
		switch op {
		case "*":
			return oneSegment, nil
		case "**":
			seenMany = true
			return manySegments, nil
		}
		return "", fmt.Errorf("unknown operator %q", op)
	}
	b.WriteString("^")
	for i := 0; i < len(t); {
		c := t[i]
		switch {
		case c == '{':
			end := strings.IndexByte(t[i:], '}')
			if end < 0 {
				return nil, errors.New("a { without }")
			}
			body := t[i+1 : i+end]
			name, pat, hasPat := strings.Cut(body, "=")
			if name == "" {
				return nil, errors.New("a variable without a name")
			}
			if !hasPat {
				pat = "*"
			}
			var inner strings.Builder
			for j, seg := range strings.Split(pat, "/") {
				if j > 0 {
					inner.WriteString("/")
				}
				if seg == "*" || seg == "**" {
					r, err := operator(seg)
					if err != nil {
						return nil, err
					}
					inner.WriteString(r)
					continue
				}
				inner.WriteString(regexp.QuoteMeta(seg))
			}
			b.WriteString("(?P<" + sanitizeName(name) + ">" + inner.String() + ")")
			names = append(names, name)
			i += end + 1
		case c == '*':
			op := "*"
			if i+1 < len(t) && t[i+1] == '*' {
				op = "**"
			}
			r, err := operator(op)
			if err != nil {
				return nil, err
			}
			b.WriteString(r)
			i += len(op)
		default:
			if seenMany && c == '/' {
				return nil, errors.New("** must be the last operator")
			}
			b.WriteString(regexp.QuoteMeta(string(c)))
			i++
		}
	}
	b.WriteString("$")
	re, err := regexp.Compile(b.String())
	if err != nil {
		return nil, err
	}
	return &uriTemplate{re: re, names: names}, nil
}

func sanitizeName(n string) string {
	return strings.Map(func(r rune) rune {
		if r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return '_'
	}, n)
}

// match returns the captured variables, or nil when the path does not match.
func (t *uriTemplate) match(path string) map[string]string {
	if t == nil {
		return nil
	}
	m := t.re.FindStringSubmatch(path)
	if m == nil {
		return nil
	}
	vars := make(map[string]string, len(t.names))
	for i, n := range t.names {
		vars[n] = m[i+1]
	}
	return vars
}

// rewriteTemplate fills a path_template_rewrite such as /{lang}/{country} with the variables.
func rewriteTemplate(tpl string, vars map[string]string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(tpl); {
		if tpl[i] != '{' {
			b.WriteByte(tpl[i])
			i++
			continue
		}
		end := strings.IndexByte(tpl[i:], '}')
		if end < 0 {
			return "", errors.New("a { without }")
		}
		name := tpl[i+1 : i+end]
		v, ok := vars[name]
		if !ok {
			return "", fmt.Errorf("variable %q is not captured by the match template", name)
		}
		b.WriteString(v)
		i += end + 1
	}
	return b.String(), nil
}
