package main

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"unicode"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	reportingv1 "github.com/countyreport/countyreport/api/v1alpha1"
	"github.com/countyreport/countyreport/internal/accounts"
	"github.com/countyreport/countyreport/internal/tenant"
)

// tableColumns head the final table. Each source adds rows to it: the
// counties now; a city, say, adds its own source to tableSources.
var tableColumns = []string{"COUNTY", "PORTAL", "ACCOUNT", "PASSWORD", "LAST REPORT"}

// tableSources list what the table shows, in order.
var tableSources = []func(ctx context.Context, pl *platform) ([][]string, error){countyRows}

func (pl *platform) printTable(ctx context.Context, w io.Writer) error {
	rows := [][]string{tableColumns}
	for _, src := range tableSources {
		r, err := src(ctx, pl)
		if err != nil {
			return err
		}
		rows = append(rows, r...)
	}
	fmt.Fprintln(w)
	writeTable(w, rows)
	fmt.Fprintf(w, "\nexport KUBECONFIG=%s; kubectl get countyreports -A\n\n", pl.srv.Kubeconfig())
	return nil
}

// countyRows is one row per CountyReport: its portal as the local runtime
// serves it, the first staff account the operator made, its last report.
func countyRows(ctx context.Context, pl *platform) ([][]string, error) {
	var list reportingv1.CountyReportList
	if err := pl.c.List(ctx, &list); err != nil {
		return nil, err
	}
	sort.Slice(list.Items, func(i, j int) bool { return list.Items[i].Spec.County.Code < list.Items[j].Spec.County.Code })
	var rows [][]string
	for i := range list.Items {
		cr := &list.Items[i]
		url := pl.runtime.URL(types.NamespacedName{Namespace: cr.Namespace, Name: tenant.Name(cr)})
		if url == "" {
			url = "(not running)"
		}
		account, password, err := pl.initialAccount(ctx, cr)
		if err != nil {
			return nil, err
		}
		last := "—"
		if r := cr.Status.LastReport; r != nil {
			last = fmt.Sprintf("%s (%d pages)", r.Period, r.Pages)
		}
		rows = append(rows, []string{cr.Spec.County.Name + " " + cr.Name, url, account, password, last})
	}
	return rows, nil
}

// initialAccount reads the staff account the operator generated for the
// county: the `initial-password` key of its accounts Secret.
func (pl *platform) initialAccount(ctx context.Context, cr *reportingv1.CountyReport) (account, password string, err error) {
	var secrets corev1.SecretList
	if err := pl.c.List(ctx, &secrets, client.InNamespace(cr.Namespace)); err != nil {
		return "", "", err
	}
	sort.Slice(secrets.Items, func(i, j int) bool {
		// The CountyReport's own accounts Secret first.
		return (secrets.Items[i].Name == cr.Spec.Portal.AccountsSecretName) && secrets.Items[j].Name != cr.Spec.Portal.AccountsSecretName
	})
	for _, s := range secrets.Items {
		pw, ok := s.Data["initial-password"]
		if !ok {
			continue
		}
		account = accounts.InitialUser
		for _, k := range []string{"initial-username", "initial-account", "username"} {
			if v := s.Data[k]; len(v) > 0 {
				account = string(v)
				break
			}
		}
		return account, string(pw), nil
	}
	if name := cr.Spec.Portal.AccountsSecretName; name != "" {
		return "(Secret " + name + ")", "(set by you)", nil
	}
	return "(none yet)", "(none yet)", nil
}

// writeTable aligns columns by display width: a Chinese character takes two
// columns of a terminal, which text/tabwriter does not know.
func writeTable(w io.Writer, rows [][]string) {
	widths := map[int]int{}
	for _, r := range rows {
		for i, c := range r {
			widths[i] = max(widths[i], displayWidth(c))
		}
	}
	for _, r := range rows {
		var b strings.Builder
		for i, c := range r {
			b.WriteString(c)
			if i < len(r)-1 {
				b.WriteString(strings.Repeat(" ", widths[i]-displayWidth(c)+2))
			}
		}
		fmt.Fprintln(w, b.String())
	}
}

func displayWidth(s string) int {
	n := 0
	for _, r := range s {
		switch {
		case unicode.Is(unicode.Han, r), r >= 0x3000 && r <= 0x303f, r >= 0xff00 && r <= 0xffef:
			n += 2
		default:
			n++
		}
	}
	return n
}
