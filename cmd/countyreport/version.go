package main

import (
	"context"
	"fmt"

	"github.com/countyreport/countyreport/internal/version"
)

func init() {
	register("version", "print the version", func(context.Context, []string) error {
		fmt.Println(version.Version)
		return nil
	})
}
