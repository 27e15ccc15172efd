// Package testenv starts the real control plane (etcd and kube-apiserver
// built by `make tools`) for envtest suites, installs the project's CRDs and
// hands out an admin kubeconfig for the built kubectl. A missing binary is a
// failure that names `make tools`, never a skip.
package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/countyreport/countyreport/internal/repo"
)

// Assets is the directory with etcd, kube-apiserver and kubectl: $KUBEBUILDER_ASSETS
// or <repo>/bin/k8s. It fails when a binary is missing.
func Assets() (string, error) {
	dir := os.Getenv("KUBEBUILDER_ASSETS")
	if dir == "" {
		root, err := repo.Root()
		if err != nil {
			return "", err
		}
		dir = filepath.Join(root, "bin", "k8s")
	}
	for _, b := range []string{"etcd", "kube-apiserver", "kubectl"} {
		if _, err := os.Stat(filepath.Join(dir, b)); err != nil {
			return "", fmt.Errorf("control-plane binary %s is missing from %s: run `make tools` (builds kube-apiserver, etcd and kubectl from hack/tools)", b, dir)
		}
	}
	return dir, nil
}

// Env is a running control plane with the project's CRDs installed.
type Env struct {
	*envtest.Environment
	Config     *rest.Config
	Kubeconfig string // an admin kubeconfig file for kubectl
	Kubectl    string // the built kubectl
	Root       string // the repository root
}

// Start starts etcd and kube-apiserver with the CRDs from config/crd/bases.
func Start() (*Env, error) {
	assets, err := Assets()
	if err != nil {
		return nil, err
	}
	root, err := repo.Root()
	if err != nil {
		return nil, err
	}
	env := &envtest.Environment{
		BinaryAssetsDirectory: assets,
		CRDDirectoryPaths:     []string{filepath.Join(root, "config", "crd", "bases")},
		ErrorIfCRDPathMissing: true,
	}
	// envtest's default service range has ~250 addresses; benchmarks create
	// hundreds of portal Services.
	env.ControlPlane.GetAPIServer().Configure().Set("service-cluster-ip-range", "10.96.0.0/16")
	cfg, err := env.Start()
	if err != nil {
		return nil, fmt.Errorf("start control plane from %s: %w", assets, err)
	}
	e := &Env{Environment: env, Config: cfg, Kubectl: filepath.Join(assets, "kubectl"), Root: root}
	if err := e.writeKubeconfig(); err != nil {
		_ = env.Stop()
		return nil, err
	}
	return e, nil
}

func (e *Env) writeKubeconfig() error {
	user, err := e.AddUser(envtest.User{Name: "admin", Groups: []string{"system:masters"}}, nil)
	if err != nil {
		return fmt.Errorf("add admin user: %w", err)
	}
	kc, err := user.KubeConfig()
	if err != nil {
		return err
	}
	f, err := os.CreateTemp("", "countyreport-kubeconfig-*")
	if err != nil {
		return err
	}
	defer f.Close()
	if _, err := f.Write(kc); err != nil {
		return err
	}
	e.Kubeconfig = f.Name()
	return nil
}

// Stop stops the control plane and removes the kubeconfig.
func (e *Env) Stop() error {
	if e.Kubeconfig != "" {
		_ = os.Remove(e.Kubeconfig)
	}
	return e.Environment.Stop()
}

// Kubectl runs the built kubectl with the admin kubeconfig; stdin may be empty.
func (e *Env) RunKubectl(stdin string, args ...string) (string, error) {
	cmd := exec.Command(e.Kubectl, append([]string{"--kubeconfig", e.Kubeconfig}, args...)...)
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	return string(out), err
}
