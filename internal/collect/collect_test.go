package collect

import (
	"testing"

	"github.com/vnetdoctor/vnetdoctor/internal/collect/fakeazure"
	"github.com/vnetdoctor/vnetdoctor/internal/synth"
)

func TestCollectExampleSmoke(t *testing.T) {
	fx := newFixture(t, synth.HubSpoke(), fakeazure.Script{})
	m, err := fx.run(fx.options())
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range m.Files {
		t.Logf("%s %s %d", f.Path, f.Source, f.Rows)
	}
	t.Logf("requests %d errors %v warnings %v", m.Requests, m.Errors, m.Warnings)
}
