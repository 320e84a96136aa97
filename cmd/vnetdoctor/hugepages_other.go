//go:build !linux

package main

// hugePagesAdvisable is false off Linux: the advice is Linux's (hugepages_linux.go).
func hugePagesAdvisable() bool { return false }

func adviseHugePages(int64) {}
