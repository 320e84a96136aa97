package flowdbtest

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"testing"
)

// BenchRecords is the number of flow tuples the stores' benchmarks generate: 10 million, or
// VNETDOCTOR_FLOWS_BENCH_N; 200,000 with -short.
func BenchRecords() int {
	if v, err := strconv.Atoi(os.Getenv("VNETDOCTOR_FLOWS_BENCH_N")); err == nil && v > 0 {
		return v
	}
	if testing.Short() {
		return 200_000
	}
	return 10_000_000
}

// WriteBlob writes a VNet flow log v4 blob of n tuples in records of 1,000, between hub-spoke
// addresses: 10 sources x 9 destinations x 4 ports x 2 protocols, B/E and D tuples, one
// millisecond apart from offset on. Both stores' benchmarks ingest these same logs.
func WriteBlob(path string, n, offset int) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	srcs := []string{"10.1.2.4", "10.1.2.5", "10.1.1.4", "10.1.1.5", "10.2.1.4", "10.0.1.5", "10.0.1.6", "10.0.3.4", "10.1.4.4", "10.2.3.4"}
	dsts := []string{"10.2.1.4", "10.2.2.5", "10.0.3.4", "10.0.3.5", "10.1.2.4", "20.60.26.10", "1.1.1.1", "10.2.2.4", "192.168.10.5"}
	ports := []int{443, 53, 1433, 22}
	w.WriteString(`{"records":[`)
	for i := range n {
		if i%1000 == 0 {
			if i > 0 {
				w.WriteString(`"]}]}]}},`)
			}
			w.WriteString(`{"time":"2025-03-04T10:00:00.0000000Z","flowLogVersion":4,"macAddress":"0022480A0102","category":"FlowLogFlowEvent",` +
				`"flowLogResourceID":"/SUBSCRIPTIONS/X/FLOWLOGS/FL","targetResourceID":"/subscriptions/x/vnet","flowRecords":{"flows":[{"aclID":"acl-1","flowGroups":[{"rule":"DefaultRule_AllowVnetOutBound","flowTuples":["`)
		} else {
			w.WriteString(`","`)
		}
		k := i + offset
		state, proto := "B", 6
		if k%7 == 0 {
			state = "D"
		} else if k%2 == 1 {
			state = "E"
		}
		if k%11 == 0 {
			proto = 17
		}
		fmt.Fprintf(w, "%d,%s,%s,%d,%d,%d,O,%s,NX,%d,%d,%d,%d", 1741082400000+int64(k), srcs[k%len(srcs)], dsts[(k/3)%len(dsts)],
			1024+k%60000, ports[(k/5)%len(ports)], proto, state, k%50, k%5000, k%40, k%9000)
	}
	w.WriteString(`"]}]}]}}]}`)
	if err := w.Flush(); err != nil {
		return err
	}
	return f.Close()
}
