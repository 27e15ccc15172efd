package accounts

import (
	"context"
	"errors"
	"testing"
)

// However many sign-ins arrive at once, at most VerifySlots password checks
// run: with every slot taken, another sign-in waits, and gives up when its
// request ends, without hashing. A slot freed lets it through. (Each
// argon2id check holds 46 MiB: unbounded, a crowd of sign-ins would get the
// portal killed for memory.)
func TestPasswordChecksWaitForASlot(t *testing.T) {
	pw := "a long enough password"
	h, err := Hash(pw)
	if err != nil {
		t.Fatal(err)
	}
	s := NewStore(&File{Accounts: []Account{{Username: "admin", Role: Editor, PasswordHash: h}}})
	for range VerifySlots {
		s.verifySlots <- struct{}{} // checks under way
	}
	ended, cancel := context.WithCancel(context.Background())
	cancel()
	if a, err := s.Authenticate(ended, "admin", pw); a != nil || !errors.Is(err, context.Canceled) {
		t.Fatalf("with every slot taken: account %v, error %v; want it to wait and give up with its request", a, err)
	}
	<-s.verifySlots
	if a, err := s.Authenticate(context.Background(), "admin", pw); a == nil || err != nil {
		t.Fatalf("with a slot free: account %v, error %v", a, err)
	}
	if len(s.verifySlots) != VerifySlots-1 {
		t.Fatalf("%d slots taken after the check, want %d: a check must give its slot back", len(s.verifySlots), VerifySlots-1)
	}
}
