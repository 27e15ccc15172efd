//go:build tools

// Package tools pins the mailpit SMTP server that the notification tests send
// mail to on loopback and read back through its REST API (/api/v1/messages).
package tools

import _ "github.com/axllent/mailpit"
