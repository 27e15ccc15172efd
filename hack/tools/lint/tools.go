//go:build tools

// Package tools pins staticcheck, the linter behind `make lint`. It is a
// module of its own so that the linter's dependencies never move the main
// module's.
package tools

import _ "honnef.co/go/tools/cmd/staticcheck"
