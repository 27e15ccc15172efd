package messages

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// ParseCatalogue reads a catalogue file: one flat JSON object of key →
// text. A key written twice is refused (encoding/json would keep the last
// text silently), and so is any value that is not a string. The portal's
// catalogues are read with it too.
func ParseCatalogue(raw []byte) (map[string]string, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, errors.New("a catalogue is one JSON object of key → text")
	}
	out := map[string]string{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key := tok.(string) // inside an object, a token before a value is its key
		var text string
		if err := dec.Decode(&text); err != nil {
			return nil, fmt.Errorf("%q: the text must be a string: %w", key, err)
		}
		if _, dup := out[key]; dup {
			return nil, fmt.Errorf("%q is defined twice", key)
		}
		out[key] = text
	}
	if _, err := dec.Token(); err != nil { // }
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("text after the catalogue's object")
	}
	return out, nil
}
