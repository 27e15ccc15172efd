package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/countyreport/countyreport/api/v1alpha1"
	"github.com/countyreport/countyreport/internal/notifier"
	"github.com/countyreport/countyreport/internal/notify"
)

func init() {
	register("notify", "notifications: `notify test --county NS/NAME|--city NAME --channel NAME` sends a test message", runNotify)
}

const notifyUsage = "usage: countyreport notify test (--county NAMESPACE/NAME | --city NAME) --channel NAME [--to ADDRESS] [--lang zh-CN|en] [--allow-private-targets]"

// runNotify sends a test message through one of a tenant's channels, with
// its Secret, now: it says whether the vendor accepted it.
func runNotify(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] != "test" {
		fmt.Fprintln(os.Stderr, notifyUsage)
		return flag.ErrHelp
	}
	fs := flag.NewFlagSet("notify test", flag.ContinueOnError)
	county := fs.String("county", "", "the CountyReport, as namespace/name")
	city := fs.String("city", "", "the CityReport's name")
	channel := fs.String("channel", "", "the channel's name in spec.notifications.channels")
	to := fs.String("to", "", "the address a mail channel sends the test to")
	lang := fs.String("lang", "zh-CN", "the message's language: zh-CN or en")
	private := fs.Bool("allow-private-targets", false, "allow plain http, loopback and cluster-internal targets (the local platform)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if (*county == "") == (*city == "") || *channel == "" {
		return errors.New(notifyUsage)
	}
	cfg, err := ctrl.GetConfig()
	if err != nil {
		return fmt.Errorf("cluster access (--kubeconfig or KUBECONFIG): %w", err)
	}
	c, err := client.New(cfg, client.Options{Scheme: newScheme()})
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	n := &notifier.Notifier{Reader: c, Policy: notify.TargetPolicy{AllowPrivate: *private}, Clock: time.Now}
	var ns string
	var spec *v1alpha1.NotificationsSpec
	var e notify.Event
	if *county != "" {
		nsName, name, ok := strings.Cut(*county, "/")
		if !ok {
			return errors.New("--county: give namespace/name")
		}
		var cr v1alpha1.CountyReport
		if err := c.Get(ctx, client.ObjectKey{Namespace: nsName, Name: name}, &cr); err != nil {
			return err
		}
		ns, spec = nsName, cr.Spec.Notifications
		e = notify.Event{Tenant: cr.Spec.County.Code, TenantName: cr.Spec.County.Name, TenantNameEn: cr.Spec.County.EnglishName, Link: cr.Status.PortalURL}
	} else {
		var cr v1alpha1.CityReport
		if err := c.Get(ctx, client.ObjectKey{Name: *city}, &cr); err != nil {
			return err
		}
		ns, spec = cr.Status.Namespace, cr.Spec.Notifications
		e = notify.Event{Tenant: cr.Spec.City.Code, TenantName: cr.Spec.City.Name, TenantNameEn: cr.Spec.City.EnglishName, Link: cr.Status.PortalURL}
	}
	if err := n.SendTest(ctx, ns, spec, *channel, e, *to, *lang); err != nil {
		return fmt.Errorf("test message through %s: %w", *channel, err)
	}
	fmt.Printf("test message accepted by channel %s\n", *channel)
	return nil
}
