package accounts

import (
	"reflect"
	"testing"
)

func TestChanges(t *testing.T) {
	a := Account{Username: "a", Role: Editor, PasswordHash: "h1"}
	b := Account{Username: "b", Role: Viewer, PasswordHash: "h2"}
	cases := map[string]struct {
		before, after *File
		want          []Change
	}{
		"first load":   {nil, &File{Accounts: []Account{a}}, nil},
		"no change":    {&File{Accounts: []Account{a, b}}, &File{Accounts: []Account{b, a}}, nil},
		"added":        {&File{Accounts: []Account{a}}, &File{Accounts: []Account{a, b}}, []Change{{"b", "added", Viewer}}},
		"removed":      {&File{Accounts: []Account{a, b}}, &File{Accounts: []Account{a}}, []Change{{"b", "removed", Viewer}}},
		"password":     {&File{Accounts: []Account{a}}, &File{Accounts: []Account{{Username: "a", Role: Editor, PasswordHash: "h9"}}}, []Change{{"a", "password", Editor}}},
		"role":         {&File{Accounts: []Account{b}}, &File{Accounts: []Account{{Username: "b", Role: Editor, PasswordHash: "h2"}}}, []Change{{"b", "role", Editor}}},
		"file removed": {&File{Accounts: []Account{a}}, nil, nil},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if got := Changes(tc.before, tc.after); !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("Changes = %+v, want %+v", got, tc.want)
			}
		})
	}
}
