package dev

import "github.com/countyreport/countyreport/internal/portal"

// setPortalExtras sets the options only the portal itself knows of: where
// it listens here, the font its charts measure text with.
func setPortalExtras(o *portal.Options, listen, font string) {
	o.Listen = listen
	o.FontPath = font
}
