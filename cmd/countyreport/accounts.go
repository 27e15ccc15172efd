package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/countyreport/countyreport/internal/accounts"
)

func init() {
	register("accounts", "portal accounts: `accounts hash` reads a password on stdin and prints its argon2id hash", runAccounts)
}

const accountsUsage = "usage: countyreport accounts hash < password (prints an argon2id hash for accounts.yaml)"

func runAccounts(ctx context.Context, args []string) error {
	if len(args) == 1 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
		fmt.Fprintln(os.Stderr, accountsUsage)
		return flag.ErrHelp
	}
	if len(args) != 1 || args[0] != "hash" {
		return errors.New(accountsUsage)
	}
	h, err := hashFrom(os.Stdin)
	if err != nil {
		return err
	}
	fmt.Println(h)
	return nil
}

// hashFrom reads one line (the password, without its line ending) and hashes it.
func hashFrom(r io.Reader) (string, error) {
	line, err := bufio.NewReader(io.LimitReader(r, 4096)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	pw := strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r")
	return accounts.Hash(pw)
}
