// Command screenshots signs in to a running portal (make demo) in Debian's
// Chromium and saves the docs' pictures of it (docs/images): a county's dashboard and
// archive, or with -city the city's board and ranking of -period. Usage,
// with the account and password from the demo's table:
//
//	go run ./hack/screenshots -url http://127.0.0.1:18082/ -user admin -password … -out docs/images
//	go run ./hack/screenshots -city -period 2023-01 -url http://127.0.0.1:18089/ -user admin -password … -out docs/images
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
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
	if err := run(*url, *user, *password, *out, *lang, pages); err != nil {
		fmt.Fprintln(os.Stderr, "screenshots:", err)
		os.Exit(1)
	}
}

// page is one screenshot: its file name and the portal path it shows.
type page struct{ name, path string }

func run(url, user, password, out, lang string, pages []page) error {
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
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(out, name), png, 0o644)
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
