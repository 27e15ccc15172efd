package messages

import (
	"encoding/json"
	"go/scanner"
	"go/token"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// ParseCatalogue refuses what encoding/json would take silently or
// wrongly: a key written twice (the last text would win), a value that is
// not a string, anything but one object.
func TestParseCatalogue(t *testing.T) {
	for name, tc := range map[string]struct {
		raw, wantErr string
		want         map[string]string
	}{
		"two keys":        {raw: `{"a.b": "甲 %s", "c": "x"}`, want: map[string]string{"a.b": "甲 %s", "c": "x"}},
		"empty":           {raw: `{}`, want: map[string]string{}},
		"a key twice":     {raw: `{"a": "1", "b": "2", "a": "3"}`, wantErr: `"a" is defined twice`},
		"a number":        {raw: `{"a": 1}`, wantErr: `"a": the text must be a string`},
		"a nested object": {raw: `{"a": {"b": "c"}}`, wantErr: `"a": the text must be a string`},
		"an array":        {raw: `["a"]`, wantErr: "one JSON object"},
		"two objects":     {raw: `{"a": "1"} {"b": "2"}`, wantErr: "text after"},
		"unterminated":    {raw: `{"a": "1"`, wantErr: "EOF"},
		"not JSON":        {raw: `a = 1`, wantErr: "one JSON object"},
	} {
		t.Run(name, func(t *testing.T) {
			got, err := ParseCatalogue([]byte(tc.raw))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want one saying %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || !maps.Equal(got, tc.want) {
				t.Fatalf("got %v, %v; want %v", got, err, tc.want)
			}
		})
	}
}

// FuzzParseCatalogue: whatever the file, ParseCatalogue returns an error
// or texts that encoding/json reads the same from it.
func FuzzParseCatalogue(f *testing.F) {
	for _, s := range []string{`{"a": "1"}`, `{"a": "1", "a": "2"}`, `{"a": 1}`, `[]`, `{}`, `{"\u00e9": "x"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		got, err := ParseCatalogue(raw)
		if err != nil {
			return
		}
		var want map[string]string
		if err := json.Unmarshal(raw, &want); err != nil || !maps.Equal(got, want) {
			t.Fatalf("%q: read %v, encoding/json %v (%v)", raw, got, want, err)
		}
	})
}

// Both catalogues name the same keys (each was read by ParseCatalogue,
// which refuses a key written twice).
func TestCataloguesNameTheSameKeys(t *testing.T) {
	if len(catalogues[Zh]) < 80 {
		t.Fatalf("zh-CN.json: %d keys, fewer than the catalogue has ever had", len(catalogues[Zh]))
	}
	for _, pair := range [][2]string{{Zh, En}, {En, Zh}} {
		for k := range catalogues[pair[0]] {
			if _, ok := catalogues[pair[1]][k]; !ok {
				t.Errorf("%q is in %s.json, not in %s.json", k, pair[0], pair[1])
			}
		}
	}
}

// verb is one fmt verb of a catalogue text: the argument it formats
// (1-based) and its kind.
type verb struct {
	arg  int
	kind string
}

// verbKinds are the kinds of argument a verb formats: %s and %q both
// print a string (the Chinese often names it bare where the English
// quotes it), %v anything.
var verbKinds = map[rune]string{
	'd': "integer", 'f': "float", 'g': "float", 's': "string", 'q': "string", 'v': "any", 'w': "any",
}

var verbRE = regexp.MustCompile(`%(%|(?:\[(\d+)\])?[-+# 0]*\d*(?:\.\d*)?([a-zA-Z]))`)

// verbs are text's verbs in argument order; ok is false for a verb this
// test does not know (add it to verbKinds).
func verbs(text string) (vs []verb, bad string) {
	next := 1
	for _, m := range verbRE.FindAllStringSubmatch(text, -1) {
		if m[1] == "%" {
			continue
		}
		if m[2] != "" {
			next, _ = strconv.Atoi(m[2])
		}
		k, ok := verbKinds[rune(m[3][0])]
		if !ok {
			return nil, m[0]
		}
		vs = append(vs, verb{next, k})
		next++
	}
	slices.SortStableFunc(vs, func(a, b verb) int { return a.arg - b.arg })
	return vs, ""
}

// The same arguments fit a key's text in every language: the same number
// of verbs, formatting the same kinds, so a message renders in either
// language from one call. A lone % is written %%.
func TestVerbsAgree(t *testing.T) {
	for key, zh := range catalogues[Zh] {
		en, ok := catalogues[En][key]
		if !ok {
			continue // TestCataloguesNameTheSameKeys
		}
		zv, zbad := verbs(zh)
		ev, ebad := verbs(en)
		if zbad != "" || ebad != "" {
			t.Errorf("%s: unknown verb %q%q", key, zbad, ebad)
			continue
		}
		if len(zv) != len(ev) {
			t.Errorf("%s: %d verbs in Chinese, %d in English:\n %s\n %s", key, len(zv), len(ev), zh, en)
			continue
		}
		for i := range zv {
			if zv[i].arg != ev[i].arg || (zv[i].kind != ev[i].kind && zv[i].kind != "any" && ev[i].kind != "any") {
				t.Errorf("%s: argument %d is %s in Chinese, %s in English", key, zv[i].arg, zv[i].kind, ev[i].kind)
			}
		}
		if strings.Count(zh, "%") != 2*strings.Count(zh, "%%")+len(zv) || strings.Count(en, "%") != 2*strings.Count(en, "%%")+len(ev) {
			t.Errorf("%s: a %% that is neither a verb nor %%%%:\n %s\n %s", key, zh, en)
		}
	}
}

// repoRoot is the module's root, two levels up.
func repoRoot(t *testing.T) string {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("no go.mod at %s: %v", root, err)
	}
	return root
}

// goLiterals calls f with every string literal (unquoted) of the Go
// files outside tests under root, with its place. Hidden folders (.git,
// and the state of a running node or demo, .e2e and .countyreport, whose
// files come and go while this walks) and out/ hold no source.
func goLiterals(t *testing.T, root string, f func(pos, lit string)) {
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			name := d.Name()
			if path != root && strings.HasPrefix(name, ".") {
				return filepath.SkipDir
			}
			switch name {
			case "bin", "out", "node_modules", "testdata":
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		fset := token.NewFileSet()
		file := fset.AddFile(path, -1, len(src))
		var s scanner.Scanner
		s.Init(file, src, nil, 0) // comments skipped
		for {
			p, tok, lit := s.Scan()
			if tok == token.EOF {
				break
			}
			if tok != token.STRING {
				continue
			}
			text, err := strconv.Unquote(lit)
			if err != nil {
				continue
			}
			rel, _ := filepath.Rel(root, path)
			f(rel+":"+strconv.Itoa(fset.Position(p).Line), text)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Every key is used: the Go code outside tests names it as a literal
// (keys are never built from parts, so this finds them all).
func TestEveryKeyUsed(t *testing.T) {
	used := map[string]bool{}
	goLiterals(t, repoRoot(t), func(_, lit string) { used[lit] = true })
	for key := range catalogues[Zh] {
		if !used[key] {
			t.Errorf("%q is in the catalogues but no Go code names it", key)
		}
	}
}

// keyLike is a literal in the catalogues' namespaces; fileName is one
// that names a file instead ("dataset.json").
var (
	keyLike  = regexp.MustCompile(`^(dataset|submission|executor|controllers|cli|signing|accounts|layout|notifier|state)\.[a-z][A-Za-z]*(\.[a-z][A-Za-z]*)*$`)
	fileName = regexp.MustCompile(`\.(json|ya?ml)$`)
)

// Every key the Go code names is in the catalogues: a misspelt key
// would render as "!key".
func TestEveryKeyNamedExists(t *testing.T) {
	goLiterals(t, repoRoot(t), func(pos, lit string) {
		if !keyLike.MatchString(lit) || fileName.MatchString(lit) {
			return
		}
		if _, ok := catalogues[Zh][lit]; !ok {
			t.Errorf("%s: %q is not in the catalogues", pos, lit)
		}
	})
}

// Rendering: one language, both, a Localizer argument in its language,
// the English-only detail, and the join after a full-width bracket.
func TestRender(t *testing.T) {
	m := New("dataset.mismatch", New("dataset.kind.number"), Words{Zh: "字符串", En: "a string"})
	for _, tc := range []struct{ got, want string }{
		{m.In(Zh), "应为数字，实为字符串"},
		{m.In(En), "must be a number, not a string"},
		{m.Both(), "应为数字，实为字符串 / must be a number, not a string"},
		{Both("dataset.targetBound"), "应为 min（以上）或 max（以内）/ must be min (at least) or max (at most)"},
		{Message{Key: "dataset.yaml.syntax", Args: []any{2, 3}, Detail: "oops"}.Both(), "YAML 语法错误（第 2 行第 3 列）/ invalid YAML at line 2, column 3: oops"},
		{T(Zh, "no.such.key"), "!no.such.key"},
		{Both("submission.template.changeTitle"), "同比增减（%）/ Change (%)"},
		{Errorf("dataset.yaml.merge", 4).Error(), "第 4 行：不支持合并键 / line 4: merge keys are not supported"},
	} {
		if tc.got != tc.want {
			t.Errorf("got  %q\nwant %q", tc.got, tc.want)
		}
	}
}

// inlineBilingual is a literal holding both languages: Chinese, then
// " / " or "）/ " and English; spacedBilingual is the CLI tables' form,
// Chinese words, a space and English words ("排名 rank", "截止 due %s").
var (
	inlineBilingual = regexp.MustCompile(`(?s)\p{Han}.*/ [A-Za-z%]`)
	spacedBilingual = regexp.MustCompile(`^[\p{Han}()（）]+ [A-Za-z][A-Za-z ,%]*$`)
)

// inlineAllowed are the literals that may hold both languages, by file,
// each with its reason.
var inlineAllowed = map[string]string{}

// No Go literal outside tests carries a message in both languages again:
// its words go in the catalogues, and Both or Pair joins them.
func TestNoInlineBilingual(t *testing.T) {
	goLiterals(t, repoRoot(t), func(pos, lit string) {
		if !inlineBilingual.MatchString(lit) && !spacedBilingual.MatchString(lit) {
			return
		}
		file, _, _ := strings.Cut(pos, ":")
		if _, ok := inlineAllowed[filepath.ToSlash(file)]; ok {
			return
		}
		t.Errorf("%s: %q holds both languages: put its words in internal/messages/locales (or the portal's) and join them with Both or Pair", pos, lit)
	})
}

// The guard's pattern finds the forms the literals had, and leaves the
// ones that only look alike.
func TestInlineBilingualPattern(t *testing.T) {
	for lit, want := range map[string]bool{
		"不能为空 / required":                  true,
		"应为 min（以上）或 max（以内）/ must be min": true,
		"%s 尚未开始（%s）/ period %s":           true,
		"第 %d 行：%s":                        false,
		"是 / 否":                            false,
		"截止 due %s":                        false,
		"a / b":                            false,
		"%d 处错误 / %d problem(s)":           true,
	} {
		if got := inlineBilingual.MatchString(lit); got != want {
			t.Errorf("%q: matched %v, want %v", lit, got, want)
		}
	}
	for lit, want := range map[string]bool{
		"排名 rank":        true,
		"县(市) county":    true,
		"截止 due %s":      true,
		"增速 change, %":   true,
		"报告 PDF 见附件。":    false,
		"权重 w 按各项权重之和归一": false,
		"第 %d 行":         false,
	} {
		if got := spacedBilingual.MatchString(lit); got != want {
			t.Errorf("%q: matched %v as the spaced form, want %v", lit, got, want)
		}
	}
}

// English reads with ASCII brackets; Chinese keeps its full-width ones.
func TestEnglishBrackets(t *testing.T) {
	for key, en := range catalogues[En] {
		if strings.ContainsAny(en, "（）") {
			t.Errorf("%s: full-width brackets in English: %q", key, en)
		}
	}
}

// han is a Chinese character; identLike is an English text that may be
// an identifier too (a dataset field "value", a state "accepted"), so no
// sign of a copy.
var (
	han       = regexp.MustCompile(`\p{Han}`)
	identLike = regexp.MustCompile(`^[a-z][A-Za-z_]*$`)
)

// copiedAllowed are the Go files that may hold a key's two texts, each
// with its reason.
var copiedAllowed = map[string]string{
	"internal/render/templates/city/labels.go":   "the city report's own words, a Labels value per language, not yet in a catalogue (docs/limitations.md)",
	"internal/render/templates/county/labels.go": "the county report's own words, a Labels value per language, not yet in a catalogue (docs/limitations.md)",
}

// No Go file outside tests holds both texts of a key, its Chinese and its
// English as two literals: that is a copy of the catalogue's words (as
// the city report's state words once were), which drifts from it.
func TestNoCopiedWordPair(t *testing.T) {
	byFile := map[string]map[string]string{} // file → literal → place
	goLiterals(t, repoRoot(t), func(pos, lit string) {
		file, _, _ := strings.Cut(pos, ":")
		if byFile[file] == nil {
			byFile[file] = map[string]string{}
		}
		byFile[file][lit] = pos
	})
	for key, zh := range catalogues[Zh] {
		en := catalogues[En][key]
		if !han.MatchString(zh) || strings.Contains(zh, "%") || en == "" || identLike.MatchString(en) {
			continue
		}
		for file, lits := range byFile {
			if _, ok := copiedAllowed[filepath.ToSlash(file)]; ok {
				continue
			}
			if a, ok := lits[zh]; ok {
				if b, ok := lits[en]; ok {
					t.Errorf("%s and %s: %q and %q are %s's words: use messages.T(lang, %q)", a, b, zh, en, key, key)
				}
			}
		}
	}
}

// A key has one owner: none is in both internal/messages' catalogues and
// the portal's, whose T would each find it.
func TestOneOwnerPerKey(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(repoRoot(t), "internal/portal/locales/zh-CN.json"))
	if err != nil {
		t.Fatal(err)
	}
	portal := map[string]string{}
	if err := json.Unmarshal(raw, &portal); err != nil {
		t.Fatal(err)
	}
	for key := range portal {
		if _, ok := catalogues[Zh][key]; ok {
			t.Errorf("%q is in both internal/messages/locales and internal/portal/locales", key)
		}
	}
}
