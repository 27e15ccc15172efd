// Command nodeprobe is the small network probe of the node's NetworkPolicy
// check (test/e2e/node_netpol_test.go), put in an image by hack/e2e/pause:
//
//	nodeprobe listen ADDR...   accept TCP connections on each, answer "ok"
//	nodeprobe dial HOST:PORT   exit 0 if a TCP connection opens within 3s
package main

import (
	"fmt"
	"net"
	"os"
	"time"
)

func main() {
	if len(os.Args) < 3 {
		fail("usage: nodeprobe listen ADDR... | dial HOST:PORT")
	}
	switch os.Args[1] {
	case "listen":
		for _, a := range os.Args[2:] {
			l, err := net.Listen("tcp", a)
			if err != nil {
				fail(err.Error())
			}
			go serve(l)
		}
		select {}
	case "dial":
		c, err := net.DialTimeout("tcp", os.Args[2], 3*time.Second)
		if err != nil {
			fail("refused: " + err.Error())
		}
		c.Close()
		fmt.Println("open")
	default:
		fail("unknown command " + os.Args[1])
	}
}

func serve(l net.Listener) {
	for {
		c, err := l.Accept()
		if err != nil {
			continue
		}
		fmt.Fprintln(c, "ok")
		c.Close()
	}
}

func fail(msg string) {
	fmt.Fprintln(os.Stderr, msg)
	os.Exit(1)
}
