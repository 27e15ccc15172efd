// Package version holds the build's version, set by the linker.
package version

// Version is set with -ldflags "-X github.com/countyreport/countyreport/internal/version.Version=...".
var Version = "v0.1.0-dev"
