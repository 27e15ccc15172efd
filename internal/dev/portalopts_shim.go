package dev

import "github.com/countyreport/countyreport/internal/portal"

// setPortalExtras sets the options that differ between the portal shim and
// the portal rewrite (its FontPath, Logger): kept apart so that the merge
// with the rewrite touches this file only.
func setPortalExtras(o *portal.Options, listen, font string) {
	o.Listen = listen
	_ = font // the shim draws no charts
}
