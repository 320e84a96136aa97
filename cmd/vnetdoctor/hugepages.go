package main

import (
	"os"
	"sync"

	"github.com/vnetdoctor/vnetdoctor/internal/azure"
)

// hugePagesOn is set by main for the commands that load a snapshot, answer and exit (not serve,
// whose heap lives for hours, nor the tests, which run many commands in one process).
var hugePagesOn bool

var hugePagesOnce sync.Once

// heapPerInputByte is how much heap a command is taken to grow per byte of snapshot it reads, a
// little over what was measured: on the 10,000-NIC estate (65 MB) `check` peaks at 430 MB of
// resident memory, and `diff` at 650 MB for its two snapshots (130 MB).
const heapPerInputByte = 8

// prepareHeap asks, once, for the heap a load of the files named by paths (every side a command
// loads) will grow into to be backed by 2 MiB pages (adviseHugePages), unless
// VNETDOCTOR_HUGEPAGES=off.
func prepareHeap(paths ...[]string) {
	if !hugePagesOn || os.Getenv("VNETDOCTOR_HUGEPAGES") == "off" {
		return
	}
	hugePagesOnce.Do(func() {
		if !hugePagesAdvisable() {
			return // before walking the inputs: most systems stop here
		}
		var n int64
		for _, p := range paths {
			n += azure.Size(p)
		}
		adviseHugePages(heapPerInputByte * n)
	})
}
