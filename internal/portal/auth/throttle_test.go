package auth

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"
)

// An attacker failing from many addresses never stops the real user
// signing in from an address of their own; the attacker's addresses are
// slowed, more once the account is under attack.
func TestGuardLocksNoOneOut(t *testing.T) {
	clk := &clock{t: time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)}
	g := NewGuard()
	g.SetClock(clk.now)
	for round := 0; round < 50; round++ {
		for i := 0; i < 40; i++ {
			attacker := fmt.Sprintf("198.51.100.%d", i)
			if g.Wait("admin", attacker) == 0 {
				g.Fail("admin", attacker)
			}
		}
		if w := g.Wait("admin", "203.0.113.7"); w != 0 {
			t.Fatalf("round %d: the real user's address must wait %v", round, w)
		}
		clk.add(3 * time.Second)
	}
	// Under attack, an address that failed once waits: one free attempt, not five.
	g.Fail("admin", "198.51.100.200")
	if w := g.Wait("admin", "198.51.100.200"); w == 0 {
		t.Error("under attack, an address with a failure still has free attempts")
	}
	// The user's own typo costs them seconds, not minutes.
	g.Fail("admin", "203.0.113.7")
	if w := g.Wait("admin", "203.0.113.7"); w > 2*time.Second {
		t.Errorf("one typo of the real user under attack: wait %v", w)
	}
	// Another account is not touched.
	if w := g.Wait("li-na", "198.51.100.1"); w > addressMax {
		t.Errorf("another account from an attacking address: wait %v, more than the address's %v", w, addressMax)
	}
	// No delay is ever longer than the pair's maximum.
	for i := 0; i < 200; i++ {
		g.Fail("admin", "198.51.100.1")
	}
	if w := g.Wait("admin", "198.51.100.1"); w > pairMax {
		t.Errorf("longest wait %v, more than %v", w, pairMax)
	}
}

func TestGuardSprayingIsSlowedPerAddress(t *testing.T) {
	clk := &clock{t: time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)}
	g := NewGuard()
	g.SetClock(clk.now)
	for i := 0; i < addressFree+1; i++ {
		g.Fail(fmt.Sprintf("user-%d", i), "198.51.100.1")
	}
	if g.Wait("someone-else", "198.51.100.1") == 0 {
		t.Error("an address spraying many accounts is not slowed")
	}
	if g.Wait("someone-else", "198.51.100.2") != 0 {
		t.Error("another address is slowed by the sprayer")
	}
	// Signing in to an account of its own does not wipe the sprayer's record.
	g.Succeed("own-account", "198.51.100.1")
	if g.Wait("someone-else", "198.51.100.1") == 0 {
		t.Error("a success reset the address's spraying record")
	}
}

// The throttle's memory is bounded: a flood of distinct, huge usernames
// from distinct addresses keeps at most MaxKeys keys of 16 bytes.
func TestThrottleMemoryBounded(t *testing.T) {
	clk := &clock{t: time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)}
	g := NewGuard()
	g.SetClock(clk.now)
	for _, th := range []*Throttle{g.Pair, g.Address, g.Account} {
		th.MaxKeys = 1000
	}
	huge := strings.Repeat("x", 64<<10)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for i := 0; i < 5000; i++ {
		g.Fail(huge+fmt.Sprint(i), fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255))
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	for name, th := range map[string]*Throttle{"pair": g.Pair, "address": g.Address, "account": g.Account} {
		if n := th.Len(); n > 1000 {
			t.Errorf("%s throttle holds %d keys, more than its 1000", name, n)
		}
	}
	if grown := int64(after.HeapAlloc) - int64(before.HeapAlloc); grown > 2<<20 {
		t.Errorf("5,000 failures with 64 KiB usernames kept %d bytes", grown)
	}
	// The newest keys are kept: the last attacker is still slowed.
	for i := 0; i < 6; i++ {
		g.Fail("admin", "10.9.9.9")
	}
	if g.Wait("admin", "10.9.9.9") == 0 {
		t.Error("a full throttle forgot the newest key")
	}
}
