package main

import (
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// anonHuge is the process's anonymous memory held in transparent huge pages, in bytes.
func anonHuge(t *testing.T) int64 {
	b, err := os.ReadFile("/proc/self/smaps_rollup")
	if err != nil {
		t.Skipf("no /proc/self/smaps_rollup: %v", err)
	}
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, "AnonHugePages:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				t.Fatalf("smaps_rollup: %q: %v", line, err)
			}
			return kb << 10
		}
	}
	t.Skip("smaps_rollup has no AnonHugePages line")
	return 0
}

// fill allocates n bytes of small objects, touches each and returns them (kept alive).
func fill(n int) [][]byte {
	objs := make([][]byte, 0, n/4096)
	for range n / 4096 {
		b := make([]byte, 4096)
		b[0], b[4095] = 1, 1
		objs = append(objs, b)
	}
	return objs
}

// The heap a command grows after adviseHugePages lies in huge pages; without it the runtime
// gives none (the test is what shows the advice is needed, and taken). The advice lasts as long
// as the process, so the test runs in a process of its own: the test binary, run again.
func TestHugePagesAdvised(t *testing.T) {
	if m := thpMode(); m != "madvise" {
		t.Skipf("transparent huge pages are %q here, not madvise: the advice changes nothing", m)
	}
	if totalRAM()/4 < 512<<20 {
		t.Skip("less than 2 GiB of memory: the advice would be capped below what the test allocates")
	}
	if !hugePagesAdvisable() {
		t.Skip("the advice is not given here (32-bit, strict overcommit or an address-space limit)")
	}
	if os.Getenv("VNETDOCTOR_TEST_HUGEPAGES") == "" {
		anonHuge(t) // skips where the kernel does not say
		cmd := exec.Command(os.Args[0], "-test.run=^TestHugePagesAdvised$", "-test.v")
		cmd.Env = append(os.Environ(), "VNETDOCTOR_TEST_HUGEPAGES=1")
		out, err := cmd.CombinedOutput()
		switch {
		case err == nil && strings.Contains(string(out), "--- SKIP: TestHugePagesAdvised"):
			t.Skipf("the test in a process of its own skipped:\n%s", out)
		case err != nil || !strings.Contains(string(out), "--- PASS: TestHugePagesAdvised"):
			t.Fatalf("the test in a process of its own: %v\n%s", err, out)
		}
		return
	}
	before := anonHuge(t)
	plain := fill(64 << 20)
	if got := anonHuge(t) - before; got > 8<<20 {
		t.Fatalf("without the advice, 64 MiB of objects took %d MiB of huge pages: the test cannot tell the advice apart", got>>20)
	}
	adviseHugePages(512 << 20)
	before = anonHuge(t)
	advised := fill(256 << 20)
	if got := anonHuge(t) - before; got < 32<<20 {
		t.Errorf("after the advice, 256 MiB of objects took %d MiB of huge pages, want at least 32", got>>20)
	}
	runtime.KeepAlive(plain)
	runtime.KeepAlive(advised)
}
