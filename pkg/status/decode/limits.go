package decode

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"

	"github.com/xdsctl/xdsctl/pkg/xdswire"
)

// MaxEntries is the most proxies (client configs) or resources one answer may list (xdswire's).
const MaxEntries = xdswire.MaxEntries

// TooManyError says an answer lists more than MaxEntries entries.
type TooManyError = xdswire.TooManyError

// jsonArray splits a JSON array into its elements, at most MaxEntries of them: one at a time, so a
// hostile array of tiny elements stops at the bound rather than after it has all been held.
func jsonArray(b []byte) ([]json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return nil, fmt.Errorf("want a JSON array, got %s", tokenKind(tok))
	}
	var out []json.RawMessage
	for dec.More() {
		if len(out) == MaxEntries {
			return nil, &TooManyError{What: "entries"}
		}
		var m json.RawMessage
		if err := dec.Decode(&m); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	if _, err := dec.Token(); err != nil { // the closing ]
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("more than one JSON value")
	}
	return out, nil
}

func tokenKind(tok json.Token) string {
	switch tok.(type) {
	case json.Delim:
		return "an object"
	case string:
		return "a string"
	case float64:
		return "a number"
	case bool:
		return "a boolean"
	}
	return "null"
}
