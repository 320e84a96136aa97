package main

import "io"

func runRules(args []string, stdin io.Reader, stdout io.Writer) error {
	return usagef("rules: pending")
}
func runTrace(args []string, stdin io.Reader, stdout io.Writer) error {
	return usagef("trace: pending")
}
func runCheck(args []string, stdin io.Reader, stdout io.Writer) error {
	return usagef("check: pending")
}
