package storage

import (
	"errors"
	"testing"

	"github.com/minio/minio-go/v7/pkg/credentials"
)

// MinIO's STS says "Server not initialized" with the code of a bad request
// while its IAM starts: that is a wait (retried), not a refusal.
func TestClassifySTSNotInitializedIsUnavailable(t *testing.T) {
	sts := func(code, msg string) error {
		var e credentials.ErrorResponse
		e.STSError.Code, e.STSError.Message = code, msg
		return e
	}
	cases := map[string]struct {
		err  error
		want error
	}{
		"starting":  {sts("InvalidParameterValue", "Server not initialized, please try again"), ErrUnavailable},
		"bad value": {sts("InvalidParameterValue", "invalid duration"), ErrInvalid},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if got := classify(tc.err); !errors.Is(got, tc.want) {
				t.Fatalf("classify(%v) = %v, want %v", tc.err, got, tc.want)
			}
		})
	}
}
