//go:build !linux

package main

// adviseHugePages does nothing off Linux: the advice it gives is Linux's (hugepages_linux.go).
func adviseHugePages(int64) {}
