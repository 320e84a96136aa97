package main

import (
	"testing"

	"github.com/vnetdoctor/vnetdoctor/internal/jsonschema"
)

// validateSARIFFile validates a SARIF log against the SARIF 2.1.0 schema vendored beside the
// renderer (internal/render/testdata, with its licence).
func validateSARIFFile(t *testing.T, log []byte) {
	t.Helper()
	errs, err := jsonschema.ValidateFile("../../internal/render/testdata/sarif-schema-2.1.0.json", log)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range errs {
		t.Errorf("SARIF schema: %s", e)
	}
}
