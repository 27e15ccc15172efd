package main

import (
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	networkingv1 "k8s.io/api/networking/v1"
)

var update = flag.Bool("update", false, "rewrite testdata/*.nft from Build (then read the diff)")

// TestBuildGolden: each case's ruleset, as nft reads it, is in
// testdata/<case>.nft. Every golden file was checked with `nft -c -f`.
func TestBuildGolden(t *testing.T) {
	for _, c := range buildCases() {
		t.Run(c.name, func(t *testing.T) {
			in := fixtures()
			in.Policies = c.policies
			got := Build(in)
			file := filepath.Join("testdata", strings.ReplaceAll(strings.ReplaceAll(c.name, ",", ""), " ", "-")+".nft")
			if *update {
				if err := os.WriteFile(file, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(file)
			if err != nil {
				t.Fatalf("%v (go test -update writes it)", err)
			}
			if got != string(want) {
				t.Errorf("Build differs from %s:\n--- got\n%s--- want\n%s", file, got, want)
			}
		})
	}
}

// TestBuildIgnoresOrder: the informers list objects in any order; the
// text must not change with it, or every recompute would rewrite the table.
func TestBuildIgnoresOrder(t *testing.T) {
	cases := buildCases()
	var all []*networkingv1.NetworkPolicy
	for _, c := range cases {
		all = append(all, c.policies...)
	}
	in := fixtures()
	in.Policies = all
	want := Build(in)
	rev := fixtures()
	for i := len(all) - 1; i >= 0; i-- {
		rev.Policies = append(rev.Policies, all[i])
	}
	for i, j := 0, len(rev.Pods)-1; i < j; i, j = i+1, j-1 {
		rev.Pods[i], rev.Pods[j] = rev.Pods[j], rev.Pods[i]
	}
	rev.Namespaces[0], rev.Namespaces[1] = rev.Namespaces[1], rev.Namespaces[0]
	if got := Build(rev); got != want {
		t.Errorf("Build depends on the order of its input:\n%s\nvs\n%s", got, want)
	}
}

// TestBuildSelectsPods: which pods get chains, case by case.
func TestBuildSelectsPods(t *testing.T) {
	ing := networkingv1.PolicyTypeIngress
	for _, c := range []struct {
		name string
		pol  *networkingv1.NetworkPolicy
		want []string // jump comments, in order
	}{
		{"all of namespace a", policy("a", "p", nil, ing), []string{"a/client", "a/web"}},
		{"by label", policy("a", "p", map[string]string{"app": "web"}, ing), []string{"a/web"}},
		{"no match", policy("a", "p", map[string]string{"app": "none"}, ing), nil},
		{"remote pods are not enforced here", policy("b", "p", nil, ing), nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			in := fixtures()
			in.Policies = []*networkingv1.NetworkPolicy{c.pol}
			got := regexp.MustCompile(`comment "([^"]*)"`).FindAllStringSubmatch(Build(in), -1)
			var names []string
			for _, m := range got {
				names = append(names, m[1])
			}
			if strings.Join(names, " ") != strings.Join(c.want, " ") {
				t.Errorf("isolated pods %v, want %v", names, c.want)
			}
		})
	}
}
