// Command vnetgen writes a synthetic Azure estate (ARM JSON) for benchmarks and demos.
//
//	go run ./cmd/vnetgen -out DIR [-vnets N] [-nics N] [-nsgs N] [-rules N] [-route-tables N]
//	                     [-routes N] [-pes N] [-seed N]
//	go run ./cmd/vnetgen -example -out DIR   # the bundled hub-spoke example instead
package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/vnetdoctor/vnetdoctor/internal/synth"
)

func main() {
	def := synth.Estate()
	out := flag.String("out", "", "directory to write (required)")
	example := flag.Bool("example", false, "write the hub-spoke example estate instead of a synthetic one")
	c := synth.Config{}
	flag.IntVar(&c.VNets, "vnets", def.VNets, "VNets: 1 hub + N-1 spokes")
	flag.IntVar(&c.NICs, "nics", def.NICs, "NICs (one VM each)")
	flag.IntVar(&c.NSGs, "nsgs", def.NSGs, "network security groups")
	flag.IntVar(&c.RulesPerNSG, "rules", def.RulesPerNSG, "security rules per NSG")
	flag.IntVar(&c.RouteTables, "route-tables", def.RouteTables, "route tables")
	flag.IntVar(&c.RoutesPerTable, "routes", def.RoutesPerTable, "routes per route table")
	flag.IntVar(&c.PrivateEndpoints, "pes", def.PrivateEndpoints, "private endpoints")
	flag.Uint64Var(&c.Seed, "seed", def.Seed, "random seed")
	flag.Parse()
	if *out == "" || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: vnetgen -out DIR [flags]; see -h")
		os.Exit(2)
	}
	start := time.Now()
	files := synth.HubSpoke()
	if !*example {
		files = synth.Generate(c)
	}
	if err := synth.WriteFiles(*out, files); err != nil {
		fmt.Fprintln(os.Stderr, "vnetgen:", err)
		os.Exit(1)
	}
	size := 0
	for _, b := range files {
		size += len(b)
	}
	fmt.Printf("wrote %d files, %.1f MB, to %s in %v\n", len(files), float64(size)/1e6, *out,
		time.Since(start).Round(time.Millisecond))
	if !*example {
		fmt.Printf("%+v\n", c.Normalize().Expected())
	}
}
