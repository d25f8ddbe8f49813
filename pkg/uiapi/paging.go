package uiapi

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Page selects a window of a resource's children (a listener's filter chains, a route
// configuration's virtual hosts, a virtual host's routes, a cluster's endpoints): Limit of them
// from Offset. The zero Page is the first MaxChildren.
type Page struct {
	Offset int
	Limit  int // 0 or more than MaxChildren: MaxChildren
}

// ParsePage reads offset and limit from a query string; both are optional, whole and not
// negative.
func ParsePage(v url.Values) (Page, error) {
	var p Page
	for _, f := range []struct {
		name string
		to   *int
	}{{"offset", &p.Offset}, {"limit", &p.Limit}} {
		s := strings.TrimSpace(v.Get(f.name))
		if s == "" {
			continue
		}
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			return Page{}, fmt.Errorf("%w: %s %q is not a whole number of 0 or more", ErrBadRequest, f.name, s)
		}
		*f.to = n
	}
	return p, nil
}

// window returns the bounds [lo, hi) of p over n children.
func (p Page) window(n int) (lo, hi int) {
	limit := p.Limit
	if limit <= 0 || limit > MaxChildren {
		limit = MaxChildren
	}
	lo = min(max(p.Offset, 0), n)
	return lo, min(lo+limit, n)
}

// paged answers view(page) for the page the request's query asks, or 400.
func paged[T any](w http.ResponseWriter, r *http.Request, view func(Page) (T, error)) {
	p, err := ParsePage(r.URL.Query())
	if err != nil {
		writeError(w, err)
		return
	}
	send[T](w)(view(p))
}
