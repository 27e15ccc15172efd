package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"sort"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/countyreport/countyreport/api/v1alpha1"
	"github.com/countyreport/countyreport/internal/accounts"
	"github.com/countyreport/countyreport/internal/tenant"
)

// tableColumns head the final table. Each source adds rows to it: the
// counties, then the city.
var tableColumns = []string{"COUNTY", "PORTAL", "ACCOUNT", "PASSWORD", "LAST REPORT"}

// tableSources list what the table shows, in order.
var tableSources = []func(ctx context.Context, pl *platform) ([][]string, error){countyRows, cityRows}

func (pl *platform) printTable(ctx context.Context, w io.Writer) error {
	t := &table{}
	t.add(tableColumns...)
	for _, src := range tableSources {
		r, err := src(ctx, pl)
		if err != nil {
			return err
		}
		for _, row := range r {
			t.add(row...)
		}
	}
	fmt.Fprintln(w)
	if err := t.write(w); err != nil {
		return err
	}
	fmt.Fprintf(w, "\nexport KUBECONFIG=%s; kubectl get countyreports -A\n", pl.srv.Kubeconfig())
	if pl.opts != nil && pl.opts.mailAPI != "" {
		// mailpit's web UI is blank (its module has no built assets): its API shows the mail.
		fmt.Fprintf(w, "mail (SMTP 127.0.0.1:%d): curl %s/api/v1/messages\n", pl.opts.mailPort, pl.opts.mailAPI)
	}
	fmt.Fprintln(w)
	return nil
}

// countyRows is one row per CountyReport: its portal as the local runtime
// serves it, the first staff account the operator made, its last report.
func countyRows(ctx context.Context, pl *platform) ([][]string, error) {
	var list v1alpha1.CountyReportList
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

// cityRows is one row per CityReport: its portal as the local runtime
// serves it, the reviewer account the operator made, its last city report
// and its members found.
func cityRows(ctx context.Context, pl *platform) ([][]string, error) {
	var list v1alpha1.CityReportList
	if err := pl.c.List(ctx, &list); err != nil {
		return nil, err
	}
	sort.Slice(list.Items, func(i, j int) bool { return list.Items[i].Spec.City.Code < list.Items[j].Spec.City.Code })
	var rows [][]string
	for i := range list.Items {
		c := &list.Items[i]
		url := pl.runtime.URL(types.NamespacedName{Namespace: tenant.CityNamespace(c), Name: tenant.CityPortalName(c)})
		if url == "" {
			url = "(not running)"
		}
		account, password, err := pl.initialAccountIn(ctx, tenant.CityNamespace(c), c.Spec.Portal.AccountsSecretName)
		if err != nil {
			return nil, err
		}
		last := "—"
		if r := c.Status.LastReport; r != nil {
			last = r.Period + " (city report)"
		}
		last += ", members " + cmp.Or(c.Status.MemberSummary, "?")
		rows = append(rows, []string{c.Spec.City.Name + " " + c.Name, url, account, password, last})
	}
	return rows, nil
}

// initialAccount reads the staff account the operator generated for the
// county: the `initial-password` key of its accounts Secret.
func (pl *platform) initialAccount(ctx context.Context, cr *v1alpha1.CountyReport) (account, password string, err error) {
	return pl.initialAccountIn(ctx, cr.Namespace, cr.Spec.Portal.AccountsSecretName)
}

// initialAccountIn reads the initial account of the portal in namespace ns
// (a county's or the city's), whose accounts Secret is accountsSecret when named.
func (pl *platform) initialAccountIn(ctx context.Context, ns, accountsSecret string) (account, password string, err error) {
	var secrets corev1.SecretList
	if err := pl.c.List(ctx, &secrets, client.InNamespace(ns)); err != nil {
		return "", "", err
	}
	sort.Slice(secrets.Items, func(i, j int) bool {
		// The portal's own accounts Secret first.
		return (secrets.Items[i].Name == accountsSecret) && secrets.Items[j].Name != accountsSecret
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
	if accountsSecret != "" {
		return "(Secret " + accountsSecret + ")", "(set by you)", nil
	}
	return "(none yet)", "(none yet)", nil
}
