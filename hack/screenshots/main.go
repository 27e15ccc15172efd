// Command screenshots signs in to a running portal (make demo) in Debian's
// Chromium and saves the docs' pictures of it (docs/images): a county's dashboard and
// archive, or with -city the city's board and ranking of -period. Usage,
// with the account and password from the demo's table:
//
//	go run ./hack/screenshots -url http://127.0.0.1:18082/ -user admin -password … -out docs/images
//	go run ./hack/screenshots -city -period 2023-01 -url http://127.0.0.1:18089/ -user admin -password … -out docs/images
//
// Each page is taken at every width of -widths (CSS px): name.png at the
// first, name-390.png at 390 and so on (a phone's width, for the docs'
// pictures of the portals on phones).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/chromedp/chromedp"
)

func main() {
	url := flag.String("url", "http://127.0.0.1:18082/", "the portal")
	user := flag.String("user", "admin", "account")
	password := flag.String("password", "", "password")
	out := flag.String("out", "docs/images", "folder for the PNGs")
	city := flag.Bool("city", false, "the portal is the city's: take its board and ranking")
	period := flag.String("period", "2023-01", "the month the city's pages show (-city)")
	lang := flag.String("lang", "zh-CN", "the browser's language: zh-CN, or en for the English pages (files named *-en.png)")
	widths := flag.String("widths", "1280,390", "the window widths in CSS px, comma-separated; the first gives name.png, the others name-WIDTH.png")
	maxHeight := flag.Int64("max-height", 0, "take only the top of each page, this many CSS px (0: the whole page)")
	only := flag.String("pages", "", "instead of the default pages, name.png=path pairs, comma-separated (e.g. period.png=data/periods/2023-01)")
	flag.Parse()
	pages := []page{{"demo-portal.png", ""}, {"demo-portal-reports.png", "reports"}}
	if *city {
		pages = []page{{"city-board.png", "?period=" + *period}, {"city-ranking.png", "ranking?period=" + *period}, {"city-reports.png", "reports"}}
	}
	if *only != "" {
		pages = nil
		for _, pair := range strings.Split(*only, ",") {
			name, path, ok := strings.Cut(pair, "=")
			if !ok || !strings.HasSuffix(name, ".png") {
				fmt.Fprintf(os.Stderr, "screenshots: -pages %q: want name.png=path\n", pair)
				os.Exit(2)
			}
			pages = append(pages, page{name, strings.TrimPrefix(path, "/")})
		}
	}
	if *lang != "zh-CN" {
		for i := range pages {
			pages[i].name = strings.TrimSuffix(pages[i].name, ".png") + "-" + *lang + ".png"
		}
	}
	ws, err := parseWidths(*widths)
	if err != nil {
		fmt.Fprintln(os.Stderr, "screenshots: -widths:", err)
		os.Exit(2)
	}
	if err := run(*url, *user, *password, *out, *lang, pages, ws, *maxHeight); err != nil {
		fmt.Fprintln(os.Stderr, "screenshots:", err)
		os.Exit(1)
	}
}

// page is one screenshot: its file name and the portal path it shows.
type page struct{ name, path string }

// parseWidths reads "1280,390": whole numbers from 200 to 4000.
func parseWidths(s string) ([]int64, error) {
	var ws []int64
	for _, f := range strings.Split(s, ",") {
		w, err := strconv.ParseInt(strings.TrimSpace(f), 10, 64)
		if err != nil || w < 200 || w > 4000 {
			return nil, fmt.Errorf("%q is not a width from 200 to 4000 px", f)
		}
		ws = append(ws, w)
	}
	return ws, nil
}

func run(url, user, password, out, lang string, pages []page, widths []int64, maxHeight int64) error {
	alloc, cancel := chromedp.NewExecAllocator(context.Background(),
		chromedp.Flag("headless", true), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.WindowSize(1200, 860), chromedp.Flag("lang", lang))
	defer cancel()
	ctx, cancel := chromedp.NewContext(alloc)
	defer cancel()
	ctx, cancel = context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	main := chromedp.CSS("main")
	err := chromedp.Do(ctx,
		chromedp.Navigate(url+"signin"), chromedp.WaitVisible(main),
		chromedp.SendKeys(chromedp.CSS("#username"), user),
		chromedp.SendKeys(chromedp.CSS("#password"), password),
		chromedp.Click(chromedp.CSS(`form[action="/signin"] button[type=submit]`)),
		chromedp.Sleep(time.Second), chromedp.WaitVisible(main),
	)
	if err != nil {
		return err
	}
	if lang == "en" {
		// The portals remember the language a user switched to, as a user does.
		err = chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`form[action="/lang"] button[type=submit]`)),
			chromedp.Sleep(time.Second), chromedp.WaitVisible(main))
		if err != nil {
			return err
		}
	}
	shot := func(name string) error {
		for i, w := range widths {
			file := name
			if i > 0 {
				file = strings.TrimSuffix(name, ".png") + "-" + strconv.FormatInt(w, 10) + ".png"
			}
			h, capture := int64(860), chromedp.FullScreenshot(100)
			if maxHeight > 0 {
				h, capture = maxHeight, chromedp.CaptureScreenshot()
			}
			if err := chromedp.Do(ctx, chromedp.EmulateViewport(w, h)); err != nil {
				return err
			}
			png, err := chromedp.Run(ctx, capture)
			if err != nil {
				return err
			}
			if err := os.WriteFile(filepath.Join(out, file), png, 0o644); err != nil {
				return err
			}
		}
		return nil
	}
	for _, p := range pages {
		if err := chromedp.Do(ctx, chromedp.Navigate(url+p.path), chromedp.WaitVisible(main)); err != nil {
			return err
		}
		if err := shot(p.name); err != nil {
			return err
		}
	}
	return nil
}
