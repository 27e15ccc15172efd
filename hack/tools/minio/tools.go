//go:build tools

// Package tools pins the MinIO server that the storage tests start on loopback.
package tools

import _ "github.com/minio/minio"
