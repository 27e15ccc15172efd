package portal

import (
	"bytes"
	"encoding/json"
	"testing"
)

// A key written twice in a catalogue would silently keep the last text:
// each catalogue names each key once.
func TestCataloguesNameEachKeyOnce(t *testing.T) {
	for _, lang := range languages {
		raw, err := catalogueFS.ReadFile("locales/" + lang + ".json")
		if err != nil {
			t.Fatal(err)
		}
		dec := json.NewDecoder(bytes.NewReader(raw))
		if _, err := dec.Token(); err != nil { // {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for dec.More() {
			key, err := dec.Token()
			if err != nil {
				t.Fatal(err)
			}
			var text string
			if err := dec.Decode(&text); err != nil {
				t.Fatalf("%s: %v: %v", lang, key, err)
			}
			k := key.(string)
			if seen[k] {
				t.Errorf("%s: %q defined twice", lang, k)
			}
			seen[k] = true
		}
		if len(seen) != len(messages[lang]) || len(seen) < 100 {
			t.Errorf("%s: %d keys read, %d loaded", lang, len(seen), len(messages[lang]))
		}
	}
}
