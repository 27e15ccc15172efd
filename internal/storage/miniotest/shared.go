package miniotest

import (
	"sync"
	"testing"
)

// One server for a whole test binary, for packages whose tests do not stop
// it: each test makes buckets of its own (NewBucket).
var (
	sharedMu  sync.Mutex
	sharedSrv *Server
	sharedErr error
)

// Shared returns the test binary's shared server, starting it on first use.
// A missing binary fails the test: run `make tools`. Call CloseShared from
// TestMain after the tests ran.
func Shared(t testing.TB) *Server {
	t.Helper()
	sharedMu.Lock()
	defer sharedMu.Unlock()
	if sharedSrv == nil && sharedErr == nil {
		sharedSrv, sharedErr = StartServer("")
	}
	if sharedErr != nil {
		t.Fatalf("start MinIO (bin/minio, built by `make tools`): %v", sharedErr)
	}
	return sharedSrv
}

// CloseShared stops the shared server, if one was started.
func CloseShared() error {
	sharedMu.Lock()
	defer sharedMu.Unlock()
	if sharedSrv == nil {
		return nil
	}
	err := sharedSrv.Close()
	sharedSrv = nil
	return err
}
