// Command screenshots signs in to a running portal (make demo) in Debian's
// Chromium and saves the README's pictures of it: the dashboard and the
// archive. Usage, with the account and password from the demo's table:
//
//	go run ./hack/screenshots -url http://127.0.0.1:18082/ -user admin -password … -out docs/images
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/chromedp/chromedp"
)

func main() {
	url := flag.String("url", "http://127.0.0.1:18082/", "the portal")
	user := flag.String("user", "admin", "account")
	password := flag.String("password", "", "password")
	out := flag.String("out", "docs/images", "folder for the PNGs")
	flag.Parse()
	if err := run(*url, *user, *password, *out); err != nil {
		fmt.Fprintln(os.Stderr, "screenshots:", err)
		os.Exit(1)
	}
}

func run(url, user, password, out string) error {
	alloc, cancel := chromedp.NewExecAllocator(context.Background(),
		chromedp.Flag("headless", true), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.WindowSize(1200, 860), chromedp.Flag("lang", "zh-CN"))
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
	shot := func(name string) error {
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(out, name), png, 0o644)
	}
	if err := shot("demo-portal.png"); err != nil {
		return err
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(url+"reports"), chromedp.WaitVisible(main)); err != nil {
		return err
	}
	return shot("demo-portal-reports.png")
}
