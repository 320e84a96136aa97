package render

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"strings"

	"github.com/vnetdoctor/vnetdoctor/internal/check"
)

// SARIF 2.1.0 types: only the properties vnetdoctor fills
// (docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html).
type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool        sarifTool         `json:"tool"`
	Invocations []sarifInvocation `json:"invocations,omitempty"`
	Results     []sarifResult     `json:"results"`
}

// sarifInvocation carries the snapshot's warnings as tool execution notifications.
type sarifInvocation struct {
	ExecutionSuccessful        bool                `json:"executionSuccessful"`
	ToolExecutionNotifications []sarifNotification `json:"toolExecutionNotifications"`
}

type sarifNotification struct {
	Level      string       `json:"level"`
	Message    sarifMessage `json:"message"`
	Descriptor sarifRefID   `json:"descriptor"`
}

type sarifRefID struct {
	ID string `json:"id"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version,omitempty"`
	InformationURI string      `json:"informationUri"`
	Rules          []sarifRule `json:"rules"`
}

type sarifRule struct {
	ID               string       `json:"id"`
	Name             string       `json:"name"`
	ShortDescription sarifMessage `json:"shortDescription"`
	FullDescription  sarifMessage `json:"fullDescription"`
	Help             sarifMessage `json:"help"`
}

type sarifMessage struct {
	Text string `json:"text"`
}

type sarifResult struct {
	RuleID              string            `json:"ruleId"`
	RuleIndex           int               `json:"ruleIndex"`
	Level               string            `json:"level"`
	Message             sarifMessage      `json:"message"`
	Locations           []sarifLocation   `json:"locations"`
	PartialFingerprints map[string]string `json:"partialFingerprints"`
	Properties          sarifProperties   `json:"properties"`
}

type sarifLocation struct {
	PhysicalLocation *sarifPhysical `json:"physicalLocation,omitempty"`
	LogicalLocations []sarifLogical `json:"logicalLocations,omitempty"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifact `json:"artifactLocation"`
	Region           *sarifRegion  `json:"region,omitempty"`
}

type sarifArtifact struct {
	URI string `json:"uri"`
}

type sarifRegion struct {
	StartLine int `json:"startLine"`
}

// Location is where a resource's object starts in a snapshot file: URI is the file relative to
// the working directory with forward slashes, Line counts from 1.
type Location struct {
	URI  string
	Line int
}

// SARIFOptions add physical locations to a SARIF log (cli.md "check": GitHub code scanning
// shows a result only at a file and line).
type SARIFOptions struct {
	// Locate returns where a resource (by ID) is defined; nil or false when unknown.
	Locate func(id string) (Location, bool)
	// Fallback is the location of a finding none of whose resources Locate knows (the first
	// snapshot file, line 1); empty URI: such findings keep logical locations only.
	Fallback Location
	// Warnings are the snapshot's warnings (dangling references, skipped files), written as the
	// run's invocation's toolExecutionNotifications.
	Warnings []Warning
}

type sarifLogical struct {
	Name               string `json:"name"`
	FullyQualifiedName string `json:"fullyQualifiedName"`
	Kind               string `json:"kind"`
}

type sarifProperties struct {
	Title    string         `json:"title"`
	Severity string         `json:"severity"`
	Evidence map[string]any `json:"evidence"`
	Fix      string         `json:"fix,omitempty"`
}

const sarifSchema = "https://json.schemastore.org/sarif-2.1.0.json"

// SARIF writes findings as a SARIF 2.1.0 log for CI code scanning: one result per finding, ruleId =
// code, level error|warning|note, one logical location per resource ID, and a rule per check
// (plus one for any code no check declares, such as CheckFailed).
func SARIF(w io.Writer, fs []check.Finding, checks []check.Check, version string) error {
	return SARIFWith(w, fs, checks, version, SARIFOptions{})
}

// SARIFWith is SARIF with physical locations: each location of a resource that opts.Locate
// knows carries physicalLocation (file and start line), located resources come first, and a
// finding with none gets opts.Fallback. partialFingerprints carry the finding's fingerprint
// (check.Fingerprint) under "vnetdoctor/fingerprint" beside the older "vnetdoctor/v1".
func SARIFWith(w io.Writer, fs []check.Finding, checks []check.Check, version string, opts SARIFOptions) error {
	driver := sarifDriver{Name: "vnetdoctor", Version: version,
		InformationURI: "https://github.com/vnetdoctor/vnetdoctor", Rules: []sarifRule{}}
	index := map[check.Code]int{}
	addRule := func(code check.Code, doc string) {
		index[code] = len(driver.Rules)
		driver.Rules = append(driver.Rules, sarifRule{ID: string(code), Name: string(code),
			ShortDescription: sarifMessage{doc}, FullDescription: sarifMessage{doc}, Help: sarifMessage{doc}})
	}
	for _, c := range checks {
		addRule(c.Code, c.Doc)
	}
	results := make([]sarifResult, 0, len(fs))
	for _, f := range fs {
		if _, ok := index[f.Code]; !ok {
			addRule(f.Code, f.Title)
		}
		results = append(results, sarifResultOf(f, index[f.Code], opts))
	}
	run := sarifRun{Tool: sarifTool{Driver: driver}, Results: results}
	if len(opts.Warnings) > 0 {
		inv := sarifInvocation{ExecutionSuccessful: true}
		for _, w := range opts.Warnings {
			inv.ToolExecutionNotifications = append(inv.ToolExecutionNotifications,
				sarifNotification{Level: "warning", Message: sarifMessage{w.Message}, Descriptor: sarifRefID{w.Code}})
		}
		run.Invocations = []sarifInvocation{inv}
	}
	log := sarifLog{Schema: sarifSchema, Version: "2.1.0", Runs: []sarifRun{run}}
	return JSON(w, log)
}

func sarifResultOf(f check.Finding, ruleIndex int, opts SARIFOptions) sarifResult {
	var located, logical []sarifLocation
	for _, id := range f.Resources {
		l := sarifLocation{LogicalLocations: []sarifLogical{{Name: lastSegment(id), FullyQualifiedName: id, Kind: "resource"}}}
		if opts.Locate != nil {
			if at, ok := opts.Locate(id); ok {
				l.PhysicalLocation = physical(at)
				located = append(located, l)
				continue
			}
		}
		logical = append(logical, l)
	}
	if len(located) == 0 && opts.Fallback.URI != "" {
		located = []sarifLocation{{PhysicalLocation: physical(opts.Fallback)}}
		if len(logical) > 0 {
			located[0].LogicalLocations, logical = logical[0].LogicalLocations, logical[1:]
		}
	}
	locs := append(append(make([]sarifLocation, 0, len(located)+len(logical)), located...), logical...)
	text := f.Title
	if f.Message != "" {
		text = f.Message
	}
	ev := f.Evidence
	if ev == nil {
		ev = map[string]any{}
	}
	return sarifResult{RuleID: string(f.Code), RuleIndex: ruleIndex, Level: sarifLevel(f.Severity),
		Message: sarifMessage{text}, Locations: locs,
		PartialFingerprints: map[string]string{"vnetdoctor/v1": fingerprint(f), "vnetdoctor/fingerprint": findingFingerprint(f)},
		Properties:          sarifProperties{Title: f.Title, Severity: f.Severity.String(), Evidence: ev, Fix: f.Fix}}
}

// sarifLevel maps severities to SARIF levels.
func sarifLevel(s check.Severity) string {
	switch s {
	case check.Error:
		return "error"
	case check.Warning:
		return "warning"
	}
	return "note"
}

// fingerprint identifies a finding across runs (code, title and resources, case-folded) so code
// scanning tracks it instead of reopening it.
func fingerprint(f check.Finding) string {
	h := sha256.New()
	h.Write([]byte(string(f.Code) + "\x00" + f.Title))
	for _, r := range f.Resources {
		h.Write([]byte("\x00" + strings.ToLower(r)))
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

func physical(at Location) *sarifPhysical {
	p := &sarifPhysical{ArtifactLocation: sarifArtifact{URI: at.URI}}
	if at.Line > 0 {
		p.Region = &sarifRegion{StartLine: at.Line}
	}
	return p
}

// findingFingerprint is the finding's fingerprint as check sets it, computed when a finding
// was built without one.
func findingFingerprint(f check.Finding) string {
	if f.Fingerprint != "" {
		return f.Fingerprint
	}
	return check.Fingerprint(f)
}
