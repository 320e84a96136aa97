package fib

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vnetdoctor/vnetdoctor/internal/azure/convert"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

var update = flag.Bool("update", false, "rewrite the golden files of testdata scenarios")

// TestGolden loads each scenario under testdata (ARM JSON) and compares every subnet's
// effective route table, and the warnings, with routes.golden.
func TestGolden(t *testing.T) {
	dirs, _ := filepath.Glob("testdata/*/network.json")
	if len(dirs) == 0 {
		t.Fatal("no scenarios")
	}
	for _, f := range dirs {
		dir := filepath.Dir(f)
		t.Run(filepath.Base(dir), func(t *testing.T) {
			n := loadScenario(t, dir)
			got := renderScenario(n)
			golden := filepath.Join(dir, "routes.golden")
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("%s differs from the computed tables (-want +got):\n%s", golden,
					cmp.Diff(strings.Split(string(want), "\n"), strings.Split(got, "\n")))
			}
		})
	}
}

func loadScenario(t *testing.T, dir string) *model.Network {
	t.Helper()
	n, err := convert.Load([]string{dir}, convert.Options{})
	if err != nil {
		t.Fatalf("load %s: %v", dir, err)
	}
	return n
}

// renderScenario prints each subnet's table (Azure's columns plus the route's name) and the
// FIB's warnings.
func renderScenario(n *model.Network) string {
	f, warns := Build(n)
	var b strings.Builder
	for _, v := range n.VNets {
		for _, s := range v.Subnets {
			fmt.Fprintf(&b, "== %s/%s\n", v.Name, s.Name)
			for _, r := range f.Subnet(s).All() {
				fmt.Fprintf(&b, "%s", row(r))
				if r.Name != "" {
					fmt.Fprintf(&b, "  (%s)", r.Name)
				}
				b.WriteByte('\n')
			}
		}
	}
	b.WriteString("== fib warnings\n")
	writeWarnings(&b, warns)
	b.WriteString("== model warnings\n")
	writeWarnings(&b, n.Warnings)
	return b.String()
}

func writeWarnings(b *strings.Builder, warns []model.Warning) {
	for _, w := range warns {
		fmt.Fprintf(b, "%s %s: %s\n", w.Code, w.Resource.Name(), w.Message)
	}
}
