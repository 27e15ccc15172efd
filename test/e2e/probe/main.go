// Command probe is the e2e suite's network probe: a tiny static program in
// an image of its own (test/e2e builds it), run as an ephemeral container
// inside a portal's pod, so that it shares the portal's network and so its
// NetworkPolicies, or as a pod of its own in a namespace without policies.
//
//	probe listen ADDR...        answer "probe" on each TCP address, forever
//	probe dial HOST:PORT [SECS] exit 0 when a TCP connection opens, 2 when not
//	probe get URL [SECS]        print the HTTP status and the first bytes of the body
//
// It has no shell and no other tool: the suite measures what a pod can
// reach with nothing but this.
package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		fail("usage: probe listen ADDR... | dial HOST:PORT [SECS] | get URL [SECS]")
	}
	switch os.Args[1] {
	case "listen":
		listen(os.Args[2:])
	case "dial":
		if len(os.Args) < 3 {
			fail("dial: want HOST:PORT")
		}
		dial(os.Args[2], seconds(3))
	case "get":
		if len(os.Args) < 3 {
			fail("get: want URL")
		}
		get(os.Args[2], seconds(3))
	default:
		fail("unknown command " + os.Args[1])
	}
}

// seconds is the optional timeout argument after the target.
func seconds(i int) time.Duration {
	if len(os.Args) <= i {
		return 3 * time.Second
	}
	n, err := strconv.Atoi(os.Args[i])
	if err != nil || n < 1 || n > 120 {
		fail("timeout: want whole seconds from 1 to 120, got " + os.Args[i])
	}
	return time.Duration(n) * time.Second
}

func listen(addrs []string) {
	if len(addrs) == 0 {
		fail("listen: want at least one address")
	}
	for _, a := range addrs {
		l, err := net.Listen("tcp", a)
		if err != nil {
			fail("listen: " + err.Error())
		}
		go serve(l)
	}
	fmt.Println("listening on", addrs)
	select {}
}

func serve(l net.Listener) {
	for {
		c, err := l.Accept()
		if err != nil {
			continue
		}
		_ = c.SetDeadline(time.Now().Add(5 * time.Second))
		_, _ = io.WriteString(c, "probe\n")
		_ = c.Close()
	}
}

// dial exits 0 when the connection opens and 2 when it does not (refused,
// timed out, unreachable): a NetworkPolicy drop is a timeout.
func dial(addr string, timeout time.Duration) {
	c, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		fmt.Println("closed:", err)
		os.Exit(2)
	}
	_ = c.Close()
	fmt.Println("open")
}

func get(url string, timeout time.Duration) {
	cl := &http.Client{Timeout: timeout, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}
	resp, err := cl.Get(url)
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(2)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	fmt.Printf("%d\n%s\n", resp.StatusCode, body)
}

func fail(msg string) {
	fmt.Fprintln(os.Stderr, "probe:", msg)
	os.Exit(1)
}
