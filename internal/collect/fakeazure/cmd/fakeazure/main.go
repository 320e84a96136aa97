// Command fakeazure serves an estate directory as the fake Azure of package fakeazure, for
// measuring `vnetdoctor collect` as a whole process (farm-bench) against it:
//
//	go run ./internal/collect/fakeazure/cmd/fakeazure -estate DIR -token-file TOKEN.json
//
// It prints the endpoint URL and runs until interrupted.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"time"

	"github.com/vnetdoctor/vnetdoctor/internal/collect/fakeazure"
)

func main() {
	estate := flag.String("estate", "", "directory of estate JSON files (vnetgen -out)")
	token := flag.String("token-file", "", "write the fake's token here, as az account get-access-token prints it")
	quota := flag.Int("quota", 15, "Resource Graph queries per 5 s window (0: unlimited)")
	flag.Parse()
	files := map[string][]byte{}
	entries, err := os.ReadDir(*estate)
	if err != nil || *estate == "" {
		fmt.Fprintln(os.Stderr, "usage: fakeazure -estate DIR [-token-file FILE] [-quota N]")
		os.Exit(2)
	}
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".json") {
			b, err := os.ReadFile(filepath.Join(*estate, e.Name()))
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(1)
			}
			files[e.Name()] = b
		}
	}
	f, err := fakeazure.New(files, fakeazure.Script{Quota: *quota})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer f.Close()
	if *token != "" {
		os.WriteFile(*token, fakeazure.TokenFile(time.Now().Add(24*time.Hour)), 0o600)
	}
	fmt.Println(f.URL, strings.Join(f.Subscriptions(), " "))
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt)
	<-sig
	fmt.Fprintf(os.Stderr, "fakeazure: %d requests, %d queries, %d throttled, %.1f MB sent\n",
		f.Requests.Load(), f.Queries.Load(), f.Throttled.Load(), float64(f.BytesOut.Load())/1e6)
}
