// Command dev measures `countyreport dev` (bin/countyreport, tools already
// built) from its start to its final table: a first start (new state: keys,
// etcd, MinIO, seven counties, Hengshan's report rendered) and a resumed one
// (the same state). The baseline, measured in the same run, is the bare
// servers alone — etcd and kube-apiserver started by envtest and a MinIO by
// miniotest, to ready — so the ratio is what the platform adds on top of
// starting its servers. The target is under 45 s for both starts.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/go-logr/logr"
	"sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/countyreport/countyreport/internal/repo"
	"github.com/countyreport/countyreport/internal/storage/miniotest"
	"github.com/countyreport/countyreport/internal/testenv"
)

const target = 45 * time.Second

func main() {
	runs := flag.Int("runs", 1, "first and resumed starts to measure (each on a new state directory)")
	flag.Parse()
	log.SetLogger(logr.Discard()) // envtest's own logging is not wanted here
	if err := run(*runs); err != nil {
		fmt.Fprintln(os.Stderr, "bench dev:", err)
		os.Exit(1)
	}
}

func run(runs int) error {
	root, err := repo.Root()
	if err != nil {
		return err
	}
	bin := filepath.Join(root, "bin", "countyreport")
	if _, err := os.Stat(bin); err != nil {
		return fmt.Errorf("%s is missing: run `make build` (make bench does)", bin)
	}
	var first, resumed []time.Duration
	for i := 0; i < runs; i++ {
		state, err := os.MkdirTemp("", "bench-dev-")
		if err != nil {
			return err
		}
		args := []string{"dev", "--exit-after-table", "--state-dir", filepath.Join(state, "s")}
		for _, f := range []string{"--etcd-port", "--etcd-peer-port", "--apiserver-port", "--minio-port", "--portal-port"} {
			p, err := freePort()
			if err != nil {
				return err
			}
			args = append(args, f, p)
		}
		d1, err := toTable(bin, args)
		if err != nil {
			return fmt.Errorf("first start: %w", err)
		}
		d2, err := toTable(bin, args)
		if err != nil {
			return fmt.Errorf("resumed start: %w", err)
		}
		os.RemoveAll(state)
		first, resumed = append(first, d1), append(resumed, d2)
	}
	base, err := baseline()
	if err != nil {
		return fmt.Errorf("baseline: %w", err)
	}
	f, r := median(first), median(resumed)
	fmt.Printf("countyreport dev, first start to the final table (7 counties Ready, Hengshan's 2023-01 report rendered): %s %s\n", secs(f), list(first))
	fmt.Printf("countyreport dev, resumed start to the final table:                                                      %s %s\n", secs(r), list(resumed))
	fmt.Printf("baseline, same run: etcd + kube-apiserver (envtest) and MinIO started bare, to ready:                     %s\n", secs(base))
	fmt.Printf("ratio to the bare servers: first %.2f×, resumed %.2f×\n", f.Seconds()/base.Seconds(), r.Seconds()/base.Seconds())
	fmt.Printf("target: both under %s: %s\n", target, metOrNot(f < target && r < target))
	return nil
}

// toTable runs countyreport dev and returns the time until its table's last
// row; it then waits for it to stop everything and exit.
func toTable(bin string, args []string) (time.Duration, error) {
	cmd := exec.Command(bin, args...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return 0, err
	}
	cmd.Stderr = cmd.Stdout // its error, if any, lands in the output reported below
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	var took time.Duration
	var out strings.Builder
	sc := bufio.NewScanner(stdout)
	inTable := false
	for sc.Scan() {
		line := sc.Text()
		out.WriteString(line + "\n")
		switch {
		case strings.HasPrefix(line, "COUNTY "):
			inTable = true
		case inTable && strings.TrimSpace(line) == "" && took == 0:
			took = time.Since(start)
		}
	}
	if err := cmd.Wait(); err != nil {
		return 0, fmt.Errorf("%v:\n%s", err, out.String())
	}
	if took == 0 {
		return 0, fmt.Errorf("no table:\n%s", out.String())
	}
	return took, nil
}

func baseline() (time.Duration, error) {
	start := time.Now()
	env, err := testenv.Start()
	if err != nil {
		return 0, err
	}
	srv, err := miniotest.StartServer("")
	took := time.Since(start)
	_ = env.Stop()
	if err != nil {
		return 0, err
	}
	return took, srv.Close()
}

func freePort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return strconv.Itoa(l.Addr().(*net.TCPAddr).Port), nil
}

func median(d []time.Duration) time.Duration {
	s := append([]time.Duration(nil), d...)
	for i := range s {
		for j := i + 1; j < len(s); j++ {
			if s[j] < s[i] {
				s[i], s[j] = s[j], s[i]
			}
		}
	}
	return s[len(s)/2]
}

func secs(d time.Duration) string { return fmt.Sprintf("%.1f s", d.Seconds()) }

func list(d []time.Duration) string {
	if len(d) < 2 {
		return ""
	}
	parts := make([]string, len(d))
	for i, x := range d {
		parts[i] = fmt.Sprintf("%.1f", x.Seconds())
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

func metOrNot(ok bool) string {
	if ok {
		return "met"
	}
	return "NOT met"
}
