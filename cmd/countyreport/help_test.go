package main

import (
	"bytes"
	"context"
	"testing"
)

// --help is asked for, not a mistake: every subcommand prints its usage and
// exits 0 (generate used to exit 1).
func TestHelpExitsZero(t *testing.T) {
	if len(commands) < 5 {
		t.Fatalf("only %d subcommands registered", len(commands))
	}
	cases := [][]string{{"--help"}, {"-h"}, {"help"}}
	for name := range commands {
		cases = append(cases, []string{name, "--help"}, []string{name, "-h"})
	}
	for _, args := range cases {
		var stderr bytes.Buffer
		if code := run(context.Background(), args, &stderr); code != 0 {
			t.Errorf("countyreport %v exits %d, want 0; stderr:\n%s", args, code, stderr.String())
		}
	}
	var stderr bytes.Buffer
	if code := run(context.Background(), []string{"nonsense"}, &stderr); code != 2 {
		t.Errorf("an unknown subcommand exits %d, want 2", code)
	}
}
