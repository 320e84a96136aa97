package render

import (
	"fmt"
	"io"
	"sort"

	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// Summary is the answer of `vnetdoctor summary`.
type Summary struct {
	Counts             map[string]int `json:"counts"`
	UnknownTypes       map[string]int `json:"unknownTypes"`
	DanglingReferences int            `json:"danglingReferences"`
	Warnings           []Warning      `json:"warnings"`
	// Snapshot identifies the files read; absent for a network not read from files.
	Snapshot *SnapshotID `json:"snapshot,omitempty"`
}

// SnapshotID is model.SnapshotInfo in JSON form. The load time is left out so that the same
// files give the same summary.
type SnapshotID struct {
	SHA256  string   `json:"sha256"`
	Sources []string `json:"sources"`
}

// Warning is a model warning in JSON form.
type Warning struct {
	Code     string `json:"code"`
	Resource string `json:"resource,omitempty"`
	Message  string `json:"message"`
}

// NewSummary collects the summary of a network and the data plane's warnings.
func NewSummary(n *model.Network, extra []model.Warning) Summary {
	s := Summary{Counts: n.Counts, UnknownTypes: n.Unknown, Warnings: []Warning{}}
	if s.Counts == nil {
		s.Counts = map[string]int{}
	}
	if s.UnknownTypes == nil {
		s.UnknownTypes = map[string]int{}
	}
	if n.Snapshot.Hash != "" {
		s.Snapshot = &SnapshotID{SHA256: n.Snapshot.Hash, Sources: n.Snapshot.Sources}
	}
	for _, w := range append(append([]model.Warning{}, n.Warnings...), extra...) {
		if w.Code == model.WarnDanglingReference {
			s.DanglingReferences++
		}
		s.Warnings = append(s.Warnings, Warning{Code: w.Code, Resource: string(w.Resource), Message: w.Message})
	}
	return s
}

// SummaryText writes the summary for a person.
func SummaryText(w io.Writer, s Summary) error {
	fmt.Fprintln(w, "Resources:")
	for _, k := range sortedKeys(s.Counts) {
		fmt.Fprintf(w, "  %6d  %s\n", s.Counts[k], k)
	}
	if len(s.UnknownTypes) > 0 {
		fmt.Fprintln(w, "Not modelled (ignored):")
		for _, k := range sortedKeys(s.UnknownTypes) {
			fmt.Fprintf(w, "  %6d  %s\n", s.UnknownTypes[k], k)
		}
	}
	fmt.Fprintf(w, "Dangling references: %d\n", s.DanglingReferences)
	fmt.Fprintf(w, "Warnings: %d\n", len(s.Warnings))
	for _, x := range s.Warnings {
		fmt.Fprintf(w, "  [%s] %s", x.Code, x.Message)
		if x.Resource != "" {
			fmt.Fprintf(w, " (%s)", x.Resource)
		}
		fmt.Fprintln(w)
	}
	return nil
}

func sortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
