//go:build e2e

package e2e

// The node's own checks, before any story: hack/e2e/node.sh brought up a
// node that is Ready, and a pod of the project's image runs on it to
// completion under Pod Security "restricted" (non-root, read-only root,
// no capabilities, RuntimeDefault seccomp), through containerd, runc, the
// pause sandbox and the CNI bridge. Everything goes through bin/k8s/kubectl
// with the node's kubeconfig ($E2E_DIR/env), as a user would.

import (
	"archive/tar"
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// nodeCheckNS is the namespace of the restricted pod; deleted after.
const nodeCheckNS = "e2e-node-check"

type nodeEnv struct {
	root, dir, kubeconfig, nodeName, nodeIP string
}

func loadNodeEnv(t *testing.T) nodeEnv {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	root := filepath.Join(wd, "..", "..")
	dir := os.Getenv("E2E_DIR")
	if dir == "" {
		dir = filepath.Join(root, ".e2e")
	}
	f, err := os.Open(filepath.Join(dir, "env"))
	if err != nil {
		t.Fatalf("%v: start the node first (make e2e-up, or make e2e)", err)
	}
	defer f.Close()
	env := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), "="); ok {
			env[k] = v
		}
	}
	if env["KUBECONFIG"] == "" || env["NODE_NAME"] == "" {
		t.Fatalf("%s/env lacks KUBECONFIG or NODE_NAME (hack/e2e/node.sh up writes them)", dir)
	}
	return nodeEnv{root: root, dir: dir, kubeconfig: env["KUBECONFIG"], nodeName: env["NODE_NAME"], nodeIP: env["NODE_IP"]}
}

func (e nodeEnv) kubectl(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	kc := filepath.Join(e.root, "bin", "k8s", "kubectl")
	if _, err := os.Stat(kc); err != nil {
		t.Fatalf("%v: make tools builds bin/k8s/kubectl", err)
	}
	cmd := exec.Command(kc, append([]string{"--kubeconfig", e.kubeconfig, "--request-timeout", "30s"}, args...)...)
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func TestNodeReady(t *testing.T) {
	e := loadNodeEnv(t)
	out, err := e.kubectl(t, "", "get", "node", e.nodeName, "-o", "json")
	if err != nil {
		t.Fatalf("kubectl get node: %v: %s", err, out)
	}
	var node struct {
		Status struct {
			Conditions []struct{ Type, Status, Message string }
		}
	}
	if err := json.Unmarshal([]byte(out), &node); err != nil {
		t.Fatal(err)
	}
	for _, c := range node.Status.Conditions {
		if c.Type == "Ready" {
			if c.Status != "True" {
				t.Fatalf("node %s is not Ready: %s", e.nodeName, c.Message)
			}
			return
		}
	}
	t.Fatalf("node %s has no Ready condition", e.nodeName)
}

func TestNodeRunsRestrictedPodToCompletion(t *testing.T) {
	e := loadNodeEnv(t)
	image, err := nodeCheckImage(filepath.Join(e.root, "bin", "countyreport-image.tar"))
	if err != nil {
		t.Fatalf("%v (make image writes bin/countyreport-image.tar; node.sh up imports it)", err)
	}
	manifest := strings.ReplaceAll(nodeCheckManifest, "IMAGE", image)
	if out, err := e.kubectl(t, manifest, "apply", "-f", "-"); err != nil {
		t.Fatalf("kubectl apply: %v: %s", err, out)
	}
	t.Cleanup(func() { e.kubectl(t, "", "delete", "namespace", nodeCheckNS, "--wait=false") })
	phase := ""
	for deadline := time.Now().Add(3 * time.Minute); time.Now().Before(deadline); time.Sleep(time.Second) {
		out, err := e.kubectl(t, "", "-n", nodeCheckNS, "get", "pod", "version", "-o", "jsonpath={.status.phase}")
		if err == nil {
			phase = out
		}
		if phase == "Succeeded" || phase == "Failed" {
			break
		}
	}
	logs, _ := e.kubectl(t, "", "-n", nodeCheckNS, "logs", "version")
	if phase != "Succeeded" {
		desc, _ := e.kubectl(t, "", "-n", nodeCheckNS, "describe", "pod", "version")
		t.Fatalf("pod phase %q, want Succeeded\nlogs: %s\n%s", phase, logs, desc)
	}
	if strings.TrimSpace(logs) == "" {
		t.Fatal("countyreport version printed nothing")
	}
}

// nodeCheckManifest: a namespace that enforces "restricted" and a pod that
// satisfies it, running `countyreport version` once.
const nodeCheckManifest = `
apiVersion: v1
kind: Namespace
metadata:
  name: ` + nodeCheckNS + `
  labels:
    pod-security.kubernetes.io/enforce: restricted
    pod-security.kubernetes.io/enforce-version: latest
---
apiVersion: v1
kind: Pod
metadata:
  name: version
  namespace: ` + nodeCheckNS + `
spec:
  restartPolicy: Never
  automountServiceAccountToken: false
  securityContext:
    runAsNonRoot: true
    runAsUser: 65532
    runAsGroup: 65532
    seccompProfile: {type: RuntimeDefault}
  containers:
  - name: countyreport
    image: IMAGE
    imagePullPolicy: Never
    args: [version]
    securityContext:
      allowPrivilegeEscalation: false
      readOnlyRootFilesystem: true
      capabilities: {drop: [ALL]}
`

// nodeCheckImage reads the image's name from the OCI archive's index.json
// (the io.containerd.image.name annotation hack/image writes).
func nodeCheckImage(archive string) (string, error) {
	f, err := os.Open(archive)
	if err != nil {
		return "", err
	}
	defer f.Close()
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return "", errors.New(archive + ": no index.json")
		}
		if err != nil {
			return "", err
		}
		if h.Name != "index.json" {
			continue
		}
		var idx struct {
			Manifests []struct{ Annotations map[string]string }
		}
		if err := json.NewDecoder(io.LimitReader(tr, 1<<20)).Decode(&idx); err != nil {
			return "", err
		}
		for _, m := range idx.Manifests {
			if n := m.Annotations["io.containerd.image.name"]; n != "" {
				return n, nil
			}
		}
		return "", errors.New(archive + ": index.json names no image")
	}
}
