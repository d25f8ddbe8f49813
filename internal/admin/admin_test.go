package admin

import "testing"

func TestStatusErrorSafeText(t *testing.T) {
	for _, tc := range []struct{ body, want string }{
		{"\n\n  overloaded: try later  \nsecond", "x: the admin API answered 503 Service Unavailable: overloaded: try later"},
		{"\x1b]0;pwned\x07\x1b[2Jgone", "x: the admin API answered 503 Service Unavailable: ?]0;pwned??[2Jgone"},
		{"bad \xff utf-8 \u009b31m", "x: the admin API answered 503 Service Unavailable: bad \uFFFD utf-8 ?31m"},
	} {
		e := &StatusError{What: "x", Code: 503, Status: "503 Service Unavailable", Body: tc.body}
		if got := e.Error(); got != tc.want {
			t.Errorf("%q:\n got %q\nwant %q", tc.body, got, tc.want)
		}
	}
}
