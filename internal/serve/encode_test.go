package serve

import (
	"bytes"
	"context"
	"testing"

	"github.com/vnetdoctor/vnetdoctor/internal/ask"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
	"github.com/vnetdoctor/vnetdoctor/internal/render"
	"github.com/vnetdoctor/vnetdoctor/internal/trace"
)

// TestEncoderMatchesRender: the pooled encoder writes render.JSON's and render.JSONWithWarnings'
// bytes, also when one encoder is reused for a long answer and then a short one.
func TestEncoderMatchesRender(t *testing.T) {
	ctx, sn := context.Background(), exampleSnap(t)
	tr, err := ask.Trace(ctx, sn, trace.Query{From: "vm-app1", To: "vm-data1", Protocol: model.ProtoTCP, SourcePort: 49152, DestinationPort: 1433}, ask.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	values := []any{tr, map[string]string{"a": "<b>&"}, []int{}, tr, struct{ X string }{"é\u2028"}}
	ws := []render.Warning{{Code: "Skipped", Resource: "x.json", Message: "not a resource <a>"}}
	for round := 0; round < 3; round++ {
		for i, v := range values {
			for _, w := range [][]render.Warning{nil, ws} {
				var want bytes.Buffer
				if err := render.JSONWithWarnings(&want, v, w); err != nil {
					t.Fatal(err)
				}
				var got []byte
				if err := encodeAnswer(v, w, func(b []byte) { got = append(got, b...) }); err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, want.Bytes()) {
					t.Fatalf("round %d value %d warnings %d: encoder wrote\n%s\nrender wrote\n%s", round, i, len(w), got, want.Bytes())
				}
			}
		}
	}
	if err := encodeAnswer(func() {}, nil, func([]byte) { t.Error("wrote an answer that cannot be encoded") }); err == nil {
		t.Error("encoding a func: no error")
	}
}
