package trace_test

import (
	"os"
	"strings"
	"testing"

	"github.com/vnetdoctor/vnetdoctor/internal/azure/convert"
	"github.com/vnetdoctor/vnetdoctor/internal/dataplane"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
	"github.com/vnetdoctor/vnetdoctor/internal/render"
	. "github.com/vnetdoctor/vnetdoctor/internal/trace"
	"strconv"
)

func TestDumpExample(t *testing.T) {
	spec := os.Getenv("EX")
	if spec == "" {
		t.Skip()
	}
	n, err := convert.Load([]string{"../../examples/hub-spoke"}, convert.Options{})
	if err != nil {
		t.Fatal(err)
	}
	p := dataplane.Build(n)
	f := strings.Fields(spec)
	qq := Query{From: f[0], To: f[1]}
	if len(f) > 2 {
		qq.Protocol, _ = model.ParseProtocol(f[2])
	}
	if len(f) > 3 {
		qq.DestinationPort = uint16(must(strconv.Atoi(f[3])))
	}
	if len(f) > 4 {
		qq.FQDN = f[4]
	}
	a, err := Run(p, qq)
	if err != nil {
		t.Fatal(err)
	}
	if os.Getenv("JSON") != "" {
		render.JSON(os.Stdout, a)
	}
	render.Trace(os.Stdout, a)
}

func must(v int, err error) int { return v }
