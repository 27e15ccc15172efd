package storage

// Test-only access from package storage_test.

// SetBeforePut installs a hook that runs before every upload of a; its error
// fails that upload.
func SetBeforePut(a *Archive, f func(key string) error) { a.beforePut = f }

// Metadata keys, for tests that tamper with objects.
const (
	MetaSHA256   = metaSHA256
	MetaVersions = metaVersions
)

// EncodeVersions exposes encodeVersions.
var EncodeVersions = encodeVersions

// SetMaxListed sets the listing limit for one test.
func SetMaxListed(t interface{ Cleanup(func()) }, n int) {
	old := maxListed
	maxListed = n
	t.Cleanup(func() { maxListed = old })
}
