// Command netpol enforces Kubernetes NetworkPolicies (networking.k8s.io/v1)
// for the pods of one node with nftables: the e2e node's enforcer
// (hack/e2e/node.sh starts it; docs/install-e2e.md, "The node").
//
// It watches NetworkPolicies, Pods and Namespaces and, after every change,
// recomputes the whole ruleset (Build, a pure function) and replaces the
// table inet countyreport-netpol in one nft transaction, so the kernel
// never holds half a ruleset. It hooks forward (pod to pod, also through
// ClusterIPs, after kube-proxy's DNAT) and input (a pod to the node's own
// addresses: egress is filtered there too). Traffic from the node to its
// pods is always allowed, as NetworkPolicy specifies. On SIGTERM or
// SIGINT it deletes its table.
//
//	netpol -kubeconfig <file> -node <node name> [-nft nft] [-print]
//
// -print writes the ruleset it would apply to stdout once and exits
// (to see what the node enforces, or check it with `nft -c -f`).
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/clientcmd"
)

func main() {
	kubeconfig := flag.String("kubeconfig", "", "kubeconfig of the API server (required)")
	node := flag.String("node", "", "name of this node: its pods are the ones enforced (required)")
	nft := flag.String("nft", "nft", "the nft command (Debian package nftables)")
	printOnly := flag.Bool("print", false, "print the ruleset once and exit; change nothing")
	flag.Parse()
	if *kubeconfig == "" || *node == "" {
		log.Fatal("netpol: -kubeconfig and -node are required")
	}
	if err := run(*kubeconfig, *node, *nft, *printOnly); err != nil {
		log.Fatalf("netpol: %v", err)
	}
}

func run(kubeconfig, node, nft string, printOnly bool) error {
	if _, err := exec.LookPath(nft); err != nil && !printOnly {
		return fmt.Errorf("no %s command: apt-get install nftables", nft)
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return err
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()

	f := informers.NewSharedInformerFactory(cs, 0)
	pods, nss, pols := f.Core().V1().Pods(), f.Core().V1().Namespaces(), f.Networking().V1().NetworkPolicies()
	changed := make(chan struct{}, 1)
	poke := func() {
		select {
		case changed <- struct{}{}:
		default: // a recompute is already due; it will see this change too
		}
	}
	h := cache.ResourceEventHandlerFuncs{
		AddFunc:    func(any) { poke() },
		UpdateFunc: func(any, any) { poke() },
		DeleteFunc: func(any) { poke() },
	}
	for _, inf := range []cache.SharedIndexInformer{pods.Informer(), nss.Informer(), pols.Informer()} {
		if _, err := inf.AddEventHandler(h); err != nil {
			return err
		}
	}
	f.Start(ctx.Done())
	for typ, ok := range f.WaitForCacheSync(ctx.Done()) {
		if !ok {
			return fmt.Errorf("the informer of %v did not sync", typ)
		}
	}
	if printOnly {
		in, err := snapshot(node, pods.Lister().List, nss.Lister().List, pols.Lister().List)
		if err == nil {
			fmt.Print(Build(in))
		}
		return err
	}
	defer deleteTable(nft)

	applied := ""
	for {
		in, err := snapshot(node, pods.Lister().List, nss.Lister().List, pols.Lister().List)
		if err != nil {
			return err
		}
		failed := false
		if text := Build(in); text != applied {
			if err := apply(nft, text); err != nil {
				// The table still holds the last good ruleset; try again.
				log.Printf("netpol: %v; retrying in a second", err)
				failed = true
			} else {
				applied = text
				log.Printf("netpol: ruleset applied (%d policies, %d pods)", len(in.Policies), len(in.Pods))
			}
		}
		if failed {
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(time.Second):
				continue
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-changed:
		}
	}
}

func snapshot(node string,
	pods func(labels.Selector) ([]*corev1.Pod, error),
	nss func(labels.Selector) ([]*corev1.Namespace, error),
	pols func(labels.Selector) ([]*networkingv1.NetworkPolicy, error)) (Input, error) {
	in := Input{Node: node}
	var err error
	if in.Pods, err = pods(labels.Everything()); err != nil {
		return in, err
	}
	if in.Namespaces, err = nss(labels.Everything()); err != nil {
		return in, err
	}
	in.Policies, err = pols(labels.Everything())
	return in, err
}

// apply replaces the table in one transaction: declaring it first makes
// the delete succeed when it does not exist yet.
func apply(nft, ruleset string) error {
	script := fmt.Sprintf("table inet %s\ndelete table inet %s\n%s", Table, Table, ruleset)
	return runNft(nft, script)
}

func deleteTable(nft string) {
	if err := runNft(nft, fmt.Sprintf("table inet %s\ndelete table inet %s\n", Table, Table)); err != nil {
		log.Printf("netpol: removing the table: %v", err)
	}
}

func runNft(nft, script string) error {
	cmd := exec.Command(nft, "-f", "-")
	cmd.Stdin = bytes.NewBufferString(script)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	cmd.Stdout = os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("nft -f -: %v: %s", err, stderr.String())
	}
	return nil
}
