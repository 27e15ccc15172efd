package signing_test

import "fmt"

func itoa(n int) string  { return fmt.Sprint(n) }
func pad10(n int) string { return fmt.Sprintf("%010d", n) }
