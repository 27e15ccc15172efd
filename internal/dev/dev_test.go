package dev

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
)

// Fast checks of the pure parts; the platform itself is driven end to end
// by cmd/countyreport's TestDevEndToEnd against the real servers.

func TestResolve(t *testing.T) {
	ns := "county-x"
	objs := []corev1.ConfigMap{{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "cfg"}, Data: map[string]string{"portal.yaml": "countyCode: \"000001\"\n"}}}
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "creds"}, Data: map[string][]byte{"accessKey": []byte("AK")}}
	foreign := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "county-other", Name: "theirs"}, Data: map[string][]byte{"k": []byte("v")}}
	c := fake.NewClientBuilder().WithScheme(scheme.Scheme).WithObjects(&objs[0], secret, foreign).Build()

	deploy := func(env []corev1.EnvVar, vols ...corev1.Volume) *appsv1.Deployment {
		mounts := []corev1.VolumeMount{}
		for _, v := range vols {
			mounts = append(mounts, corev1.VolumeMount{Name: v.Name, MountPath: "/etc/" + v.Name})
		}
		return &appsv1.Deployment{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "p"},
			Spec: appsv1.DeploymentSpec{Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{
				Containers: []corev1.Container{{Name: "portal", Args: []string{"portal", "--config=/etc/config/portal.yaml"}, Env: env, VolumeMounts: mounts}},
				Volumes:    vols,
			}}},
		}
	}
	secretEnv := func(name, key string, optional bool) corev1.EnvVar {
		return corev1.EnvVar{Name: "E", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
			LocalObjectReference: corev1.LocalObjectReference{Name: name}, Key: key, Optional: ptr.To(optional)}}}
	}
	cmVol := corev1.Volume{Name: "config", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: "cfg"}}}}

	tests := map[string]struct {
		d        *appsv1.Deployment
		wantEnv  map[string]string
		wantFile string
		wantErr  string
	}{
		"configmap volume and secret env": {d: deploy([]corev1.EnvVar{secretEnv("creds", "accessKey", false)}, cmVol),
			wantEnv: map[string]string{"E": "AK"}, wantFile: "/etc/config/portal.yaml"},
		"missing key":          {d: deploy([]corev1.EnvVar{secretEnv("creds", "nope", false)}, cmVol), wantErr: `no key "nope"`},
		"optional missing key": {d: deploy([]corev1.EnvVar{secretEnv("creds", "nope", true)}, cmVol), wantEnv: map[string]string{}},
		"missing secret":       {d: deploy([]corev1.EnvVar{secretEnv("gone", "k", false)}), wantErr: "Secret county-x/gone does not exist"},
		"another namespace's":  {d: deploy([]corev1.EnvVar{secretEnv("theirs", "k", false)}), wantErr: "Secret county-x/theirs does not exist"},
		"unsupported volume":   {d: deploy(nil, corev1.Volume{Name: "h", VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/"}}}), wantErr: "only configMap"},
		"plain value":          {d: deploy([]corev1.EnvVar{{Name: "A", Value: "b"}}), wantEnv: map[string]string{"A": "b"}},
		"namespace field":      {d: deploy([]corev1.EnvVar{{Name: "NS", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.namespace"}}}}), wantEnv: map[string]string{"NS": ns}},
		"status field refused": {d: deploy([]corev1.EnvVar{{Name: "IP", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "status.podIP"}}}}), wantErr: "status.podIP"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			w, err := Resolve(context.Background(), c, tc.d, "portal")
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range tc.wantEnv {
				if w.Env[k] != v {
					t.Errorf("env %s = %q, want %q", k, w.Env[k], v)
				}
			}
			if len(w.Env) != len(tc.wantEnv) {
				t.Errorf("env = %v, want %v", w.Env, tc.wantEnv)
			}
			if tc.wantFile != "" && w.Files[tc.wantFile] == nil {
				t.Errorf("no file %s in %v", tc.wantFile, w.Files)
			}
		})
	}
}

func TestWorkloadHashChangesWithContent(t *testing.T) {
	a := &Workload{Args: []string{"portal"}, Env: map[string]string{"K": "1"}, Files: map[string][]byte{"/f": []byte("x")}}
	b := &Workload{Args: []string{"portal"}, Env: map[string]string{"K": "2"}, Files: map[string][]byte{"/f": []byte("x")}}
	c := &Workload{Args: []string{"portal"}, Env: map[string]string{"K": "1"}, Files: map[string][]byte{"/f": []byte("y")}}
	if a.Hash() == b.Hash() || a.Hash() == c.Hash() {
		t.Fatal("a changed environment or file must change the hash")
	}
	if a.Hash() != (&Workload{Args: []string{"portal"}, Env: map[string]string{"K": "1"}, Files: map[string][]byte{"/f": []byte("x")}}).Hash() {
		t.Fatal("the same workload must hash the same")
	}
}

func TestUnderStaysInside(t *testing.T) {
	for in, want := range map[string]string{
		"/etc/countyreport/portal.yaml": "/r/etc/countyreport/portal.yaml",
		"../../etc/passwd":              "/r/etc/passwd",
		"/a/../../b":                    "/r/b",
	} {
		if got := Under("/r", in); got != want {
			t.Errorf("Under(/r, %q) = %q, want %q", in, got, want)
		}
	}
}

func TestCheckPortsNamesFlag(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port
	err = CheckPorts(Port{What: "etcd", Flag: "--etcd-port", Port: port})
	if err == nil || !strings.Contains(err.Error(), "port "+strconv.Itoa(port)) || !strings.Contains(err.Error(), "--etcd-port") {
		t.Fatalf("err = %v, want the port and --etcd-port named", err)
	}
	if err := CheckPorts(Port{What: "a", Flag: "--a", Port: 40001}, Port{What: "b", Flag: "--b", Port: 40001}); err == nil {
		t.Fatal("the same port asked for twice was accepted")
	}
}

func TestPortBookKeepsAssignments(t *testing.T) {
	file := filepath.Join(t.TempDir(), "ports.json")
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	base := l.Addr().(*net.TCPAddr).Port // taken: the book must skip it
	b, err := OpenPortBook(file, base, "--portal-port")
	if err != nil {
		t.Fatal(err)
	}
	p1, _ := b.Port("ns/a")
	p2, _ := b.Port("ns/b")
	if p1 == base || p2 == base || p1 == p2 {
		t.Fatalf("ports %d, %d from base %d (taken)", p1, p2, base)
	}
	again, err := OpenPortBook(file, base, "--portal-port")
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := again.Port("ns/a"); got != p1 {
		t.Fatalf("after reopening, ns/a has port %d, had %d", got, p1)
	}
	if st, _ := os.Stat(file); st.Mode().Perm() != 0o600 {
		t.Errorf("port book mode %v, want 0600", st.Mode().Perm())
	}
}

// A server that fails to start is reported with the last lines of its log.
func TestProcessFailureShowsLog(t *testing.T) {
	dir := t.TempDir()
	p := &Process{Name: "broken", Path: "/bin/sh", Args: []string{"-c", "echo first; echo 'listen: address already in use'; exit 3"}, LogFile: filepath.Join(dir, "broken.log")}
	err := p.Start(context.Background(), 10*time.Second, func(context.Context) error { return os.ErrNotExist })
	if err == nil || !strings.Contains(err.Error(), "address already in use") || !strings.Contains(err.Error(), "exit status 3") {
		t.Fatalf("err = %v", err)
	}
	missing := &Process{Name: "etcd", Path: filepath.Join(dir, "no-such-etcd"), LogFile: filepath.Join(dir, "x.log")}
	if err := missing.Start(context.Background(), time.Second, nil); err == nil || !strings.Contains(err.Error(), "make tools") {
		t.Fatalf("missing binary: err = %v, want `make tools` named", err)
	}
}

func TestCheckToolsNamesMakeTools(t *testing.T) {
	s := &Servers{K8sBin: t.TempDir(), MinIOBin: "/nonexistent/minio"}
	if err := s.CheckTools(); err == nil || !strings.Contains(err.Error(), "make tools") {
		t.Fatalf("err = %v, want `make tools` named", err)
	}
}
