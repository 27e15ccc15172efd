package portal_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/countyreport/countyreport/internal/repo"
)

// axeTags are the WCAG 2.0 and 2.1 levels A and AA rules of axe-core
// (GB/T 37668-2019 follows WCAG 2.0; 2.1 adds the reflow and mobile rules).
var axeTags = []string{"wcag2a", "wcag2aa", "wcag21a", "wcag21aa"}

// The widths a page is checked at: a desktop, and phones from 360 to 414
// CSS px (axe runs at the first two; the overflow check at all but 1280).
const desktopWidth = 1280

var (
	axeWidths   = []int64{desktopWidth, 390}
	phoneWidths = []int64{360, 390, 414}
)

// a11y checks page states in one browser and collects every finding, so a
// run names all of them at once (rule, target, page state, width).
type a11y struct {
	b        *browserSession
	failures []string
	states   int
}

// newA11y opens the browser with axe-core (hack/axe, installed by
// `make tools`) injected into every page it loads.
func newA11y(t *testing.T) *a11y {
	t.Helper()
	root, err := repo.Root()
	mustDo(t, err)
	src, err := os.ReadFile(filepath.Join(root, "hack", "axe", "node_modules", "axe-core", "axe.min.js"))
	if err != nil {
		t.Fatalf("axe-core is missing: run `make tools`, or `npm install` in hack/axe (needs npm: Debian's nodejs/npm), to install axe-core 4.14.1: %v", err)
	}
	b := newBrowserFor(t, 10*time.Minute)
	_, err = chromedp.Call(b.ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: string(src)})
	mustDo(t, err)
	return &a11y{b: b}
}

func (a *a11y) fail(state, format string, args ...any) {
	a.failures = append(a.failures, state+": "+fmt.Sprintf(format, args...))
}

// check runs every check on the page the browser shows now, named state
// in the failures: no horizontal scrolling at phone widths, no axe
// violation at desktop and phone widths, and in the English edition
// every Chinese text marked lang="zh-CN".
func (a *a11y) check(state string) {
	a.b.t.Helper()
	a.states++
	for _, w := range phoneWidths {
		a.b.do(chromedp.EmulateViewport(w, 800))
		a.overflow(fmt.Sprintf("%s @%dpx", state, w))
	}
	for _, w := range axeWidths {
		a.b.do(chromedp.EmulateViewport(w, 900))
		a.axe(fmt.Sprintf("%s @%dpx", state, w))
	}
	if a.lang() == "en" {
		a.chineseMarked(state)
	}
}

func (a *a11y) lang() string {
	a.b.t.Helper()
	l, err := chromedp.Run(a.b.ctx, chromedp.Evaluate[string](`document.documentElement.lang`))
	mustDo(a.b.t, err)
	return l
}

// overflowJS: the document's scroll and client widths, and the innermost
// elements that reach past the viewport (to name what to fix).
const overflowJS = `(() => {
  const se = document.scrollingElement, cw = se.clientWidth;
  const name = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    (typeof el.className === 'string' && el.className ? '.' + el.className.trim().split(/\s+/).join('.') : '');
  const path = el => { const p = []; for (let e = el; e && e !== document.body && p.length < 4; e = e.parentElement) p.unshift(name(e)); return p.join(' > '); };
  const wide = [];
  if (se.scrollWidth > cw) {
    for (const el of document.body.querySelectorAll('*')) {
      const r = el.getBoundingClientRect();
      if (r.width === 0 || r.right <= cw + 0.5) continue;
      if ([...el.children].some(c => c.getBoundingClientRect().right > cw + 0.5)) continue;
      wide.push(path(el) + ' (right ' + Math.round(r.right) + ')');
      if (wide.length === 6) break;
    }
  }
  return {scroll: se.scrollWidth, client: cw, wide};
})()`

type overflowResult struct {
	Scroll, Client int
	Wide           []string
}

// overflow: document.scrollingElement.scrollWidth <= clientWidth.
func (a *a11y) overflow(state string) {
	a.b.t.Helper()
	r, err := chromedp.Run(a.b.ctx, chromedp.Evaluate[overflowResult](overflowJS))
	mustDo(a.b.t, err)
	if r.Scroll > r.Client {
		a.fail(state, "scrolls sideways: %d px wide in %d px; too wide: %s", r.Scroll, r.Client, strings.Join(r.Wide, "; "))
	}
}

type axeViolation struct {
	ID, Impact, Help string
	Nodes            []struct {
		Target         []any
		FailureSummary string
	}
}

// axe runs axe-core on the whole document with the WCAG A and AA tags.
func (a *a11y) axe(state string) {
	a.b.t.Helper()
	tags, err := json.Marshal(axeTags)
	mustDo(a.b.t, err)
	js := `axe.run(document, {runOnly: {type: 'tag', values: ` + string(tags) + `}, resultTypes: ['violations']}).then(r => r.violations)`
	vs, err := chromedp.Run(a.b.ctx, chromedp.Evaluate[[]axeViolation](js, chromedp.EvalAwaitPromise))
	if err != nil {
		a.b.t.Fatalf("%s: axe-core did not run: %v", state, err)
	}
	for _, v := range vs {
		for _, n := range v.Nodes {
			a.fail(state, "axe %s (%s) at %v: %s — %s", v.ID, v.Impact, n.Target, v.Help, strings.ReplaceAll(n.FailureSummary, "\n", " "))
		}
	}
}

// chineseJS lists the text (and the names given in aria-label or an input's
// value) with Han characters that no lang="zh…" ancestor marks (WCAG 3.1.2).
const chineseJS = `(() => {
  const han = /[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]/;
  const zh = el => { const l = el && el.closest('[lang]'); return !!l && l.getAttribute('lang').toLowerCase().startsWith('zh'); };
  const out = [];
  const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walk.nextNode(); n; n = walk.nextNode()) {
    if (han.test(n.nodeValue) && !zh(n.parentElement)) out.push(n.parentElement.tagName.toLowerCase() + ': ' + n.nodeValue.trim().slice(0, 60));
  }
  for (const el of document.body.querySelectorAll('[aria-label], input:not([type=hidden])')) {
    for (const v of [el.getAttribute('aria-label') || '', el.value || '']) {
      if (han.test(v) && !zh(el)) out.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + ' value/label: ' + v.slice(0, 60));
    }
  }
  return out;
})()`

func (a *a11y) chineseMarked(state string) {
	a.b.t.Helper()
	bad, err := chromedp.Run(a.b.ctx, chromedp.Evaluate[[]string](chineseJS))
	mustDo(a.b.t, err)
	for _, s := range bad {
		a.fail(state, "Chinese text without lang=\"zh-CN\": %s", s)
	}
}

// focusJS: the focused element, whether it is in the red header, and the
// contrast of its outline against the header's background.
const focusJS = `(() => {
  const el = document.activeElement, header = document.querySelector('header.top');
  const rgb = s => (s.match(/[\d.]+/g) || []).map(Number);
  const lum = c => { const [r, g, b] = c.slice(0, 3).map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }); return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  if (!el || !header || !header.contains(el)) return {inHeader: false};
  const cs = getComputedStyle(el), bg = rgb(getComputedStyle(header).backgroundColor), ring = rgb(cs.outlineColor);
  const [l1, l2] = [lum(ring), lum(bg)].sort((x, y) => y - x);
  return {inHeader: true, what: el.tagName.toLowerCase() + ' ' + (el.textContent || '').trim(),
    style: cs.outlineStyle, width: parseFloat(cs.outlineWidth), alpha: ring.length > 3 ? ring[3] : 1,
    ratio: (l1 + 0.05) / (l2 + 0.05)};
})()`

type focusResult struct {
	InHeader     bool
	What, Style  string
	Width, Alpha float64
	Ratio        float64
}

// focusRing tabs through the header as a keyboard user does (so that
// :focus-visible applies) and checks each focused control's outline:
// drawn, at least 2 px, opaque, and 3:1 against the red header
// (WCAG 1.4.11, 2.4.7).
func (a *a11y) focusRing(state string) {
	a.b.t.Helper()
	// Start from the skip link (the first control of every page): the next
	// Tab is the header's first control, whatever had the focus before.
	a.b.do(chromedp.EmulateViewport(desktopWidth, 900), chromedp.Evaluate[chromedp.Void](`document.querySelector('a.skip').focus(); window.scrollTo(0, 0)`))
	seen := 0
	for i := 0; i < 12; i++ {
		a.b.do(chromedp.KeyEvent("\t"))
		r, err := chromedp.Run(a.b.ctx, chromedp.Evaluate[focusResult](focusJS))
		mustDo(a.b.t, err)
		if !r.InHeader {
			if seen > 0 {
				break
			}
			continue
		}
		seen++
		if r.Style == "none" || r.Width < 2 || r.Alpha < 1 || r.Ratio < 3 {
			a.fail(state, "focus ring on %q in the header: %s %.1f px, alpha %.2f, contrast %.2f:1 (want a solid ring ≥2 px, ≥3:1)", r.What, r.Style, r.Width, r.Alpha, r.Ratio)
		}
	}
	if seen == 0 {
		a.fail(state, "no control of the header took the keyboard focus")
	}
}

// navPages checks every page the header links to (its navigation, the
// account's settings) that is not
// among seen (the paths the walk visited already), so that a page added to
// the header later is checked without a change here.
func (a *a11y) navPages(base string, name func(string) string, seen ...string) {
	a.b.t.Helper()
	a.b.open(base + "/")
	links, err := chromedp.Run(a.b.ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('header.top a[href]')].map(a => a.getAttribute('href'))`))
	mustDo(a.b.t, err)
	done := map[string]bool{}
	for _, s := range seen {
		done[s] = true
	}
	for _, l := range links {
		if done[l] || !strings.HasPrefix(l, "/") || strings.HasPrefix(l, "//") {
			continue
		}
		done[l] = true
		a.b.open(base + l)
		a.check(name("linked from the header: " + l))
	}
}

// report fails the test with every finding, one a line.
func (a *a11y) report() {
	a.b.t.Helper()
	a.b.t.Logf("accessibility: %d page states checked", a.states)
	if len(a.failures) > 0 {
		a.b.t.Errorf("%d accessibility findings:\n%s", len(a.failures), strings.Join(a.failures, "\n"))
	}
}
