package main

import (
	"os"
	"testing"

	"github.com/vnetdoctor/vnetdoctor/internal/jsonschema"
)

// validateSARIFFile validates a SARIF log against the SARIF 2.1.0 schema vendored beside the
// renderer (internal/render/testdata, with its licence).
func validateSARIFFile(t *testing.T, log []byte) {
	t.Helper()
	raw, err := os.ReadFile("../../internal/render/testdata/sarif-schema-2.1.0.json")
	if err != nil {
		t.Fatal(err)
	}
	s, err := jsonschema.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	errs, err := s.Validate(log)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range errs {
		t.Errorf("SARIF schema: %s", e)
	}
}
