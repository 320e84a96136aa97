package azure

import (
	"bytes"
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"github.com/vnetdoctor/vnetdoctor/internal/jsondoc"
)

// What a snapshot is not: the messages for files that hold no deployed network (cli.md
// Contract 0.2, "Input integrity"), each saying what the file looks like and what to export.

// exportHint says what to export instead of a file that is not a snapshot.
const exportHint = `export the deployed network instead, e.g. az graph query -q "resources | where type startswith 'microsoft.network/'" ` +
	`-o json, or az network vnet list -o json (docs/cli.md "Snapshot input")`

const templateMsg = "an ARM deployment template, not a snapshot: templates hold expressions, not deployed state; " +
	"export the deployed resources instead (az resource list, az graph query, az network ... list)"

const bicepMsg = "a Bicep file, not a snapshot: Bicep says what to deploy, not what is deployed; deploy it, then " + exportHint +
	" (to preview a change: az deployment group what-if)"

const hclMsg = "Terraform configuration (HCL), not a snapshot: it says what to deploy, not what is deployed; " + exportHint

// notJSONSource recognises, by its name, a file that is source code rather than JSON.
func notJSONSource(name string) string {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".bicep", ".bicepparam":
		return bicepMsg
	case ".tf", ".tfvars", ".hcl":
		return hclMsg
	}
	return ""
}

// recognise names what a file that is not strict JSON is, when it is something a user might
// mistake for a snapshot: an ARM template with // comments or multi-line strings (ARM accepts
// both), a Bicep or Terraform file given as standard input or named *.json. "" otherwise: the
// parser's error says where the JSON breaks.
func recognise(data []byte) string {
	head := bytes.ToLower(data[:min(len(data), 64<<10)])
	switch {
	case bytes.Contains(head, []byte("deploymenttemplate.json")) || bytes.Contains(head, []byte("deploymentparameters.json")) ||
		bytes.Contains(head, []byte(`"contentversion"`)) && bytes.Contains(head, []byte(`"resources"`)):
		return templateMsg
	case startsWithWord(head, "param", "resource", "targetscope", "module", "metadata", "using") && bytes.Contains(head, []byte("'")):
		return bicepMsg
	case startsWithWord(head, "resource", "terraform", "provider", "variable", "locals", "data", "module") && bytes.Contains(head, []byte(`"`)):
		return hclMsg
	}
	return ""
}

// startsWithWord reports whether the first word of text (after comment lines) is one of words.
func startsWithWord(text []byte, words ...string) bool {
	for _, line := range bytes.Split(text, []byte("\n")) {
		line = bytes.TrimSpace(line)
		if len(line) == 0 || bytes.HasPrefix(line, []byte("//")) || bytes.HasPrefix(line, []byte("#")) {
			continue
		}
		for _, w := range words {
			if bytes.HasPrefix(line, []byte(w+" ")) {
				return true
			}
		}
		return false
	}
	return false
}

// emptyFile is a file that held no network resource, and what it looks like.
type emptyFile struct{ file, looks string }

// looksLike describes a parsed file that holds no resource vnetdoctor reads.
func looksLike(v *jsondoc.Value, unknown map[string]int) string {
	switch {
	case v.Kind == jsondoc.Null:
		return "null"
	case v.Kind == jsondoc.Array && len(v.Kids()) == 0:
		return "an empty list ([])"
	case v.Kind == jsondoc.Object && len(v.Kids()) == 0:
		return "an empty object ({})"
	case v.Kind == jsondoc.Array:
		v = &v.Kids()[0].Val
	}
	if v.Kind == jsondoc.Object {
		if l := v.Get("value"); l != nil && l.Kind == jsondoc.Array && len(l.Kids()) > 0 {
			v = &l.Kids()[0].Val
		}
	}
	has := func(keys ...string) bool {
		for _, k := range keys {
			if v.Get(k) == nil {
				return false
			}
		}
		return true
	}
	switch {
	case has("format_version", "resource_changes") || has("format_version", "planned_values"):
		return "a Terraform plan (terraform show -json): planned changes, not what is deployed"
	case has("format_version", "values") || has("terraform_version", "resources"):
		return "a Terraform state: Terraform's view, with its own resource names and shapes"
	case has("changes") && (has("status") || has("error")):
		return "an ARM what-if answer: planned changes, not what is deployed"
	case has("nexthoptype") && has("routetableid"):
		return "a Network Watcher next-hop answer"
	case has("access") && has("rulename"):
		return "a Network Watcher IP flow verify answer"
	case has("hops") && has("connectionstatus"):
		return "a Network Watcher connectivity check answer"
	case has("source", "state", "nexthoptype"):
		return "effective routes (az network nic show-effective-route-table): Azure's answer, not the resources behind it"
	case has("effectivesecurityrules") || has("networksecuritygroup", "association"):
		return "effective security rules (az network nic list-effective-nsg): Azure's answer, not the resources behind it"
	case has("results") || has("networkinterfaces"):
		return "a Network Watcher diagnostic answer"
	}
	if len(unknown) > 0 {
		var types []string
		for t := range unknown {
			if t != NotAResource {
				types = append(types, t)
			}
		}
		sort.Strings(types)
		if len(types) > 0 {
			if len(types) > 3 {
				types = append(types[:3], "...")
			}
			return "only resources of types vnetdoctor does not read (" + strings.Join(types, ", ") + ")"
		}
	}
	return "JSON with no Azure resource in it (a Network Watcher answer or another report?)"
}

// noNetwork is the error for a snapshot that holds no network resource at all (cli.md:
// exit 2, "holds no network resources"), or nil. firstErr is the first file skipped by
// --skip-invalid: when every file was skipped, it is the reason.
func noNetwork(paths []string, s *Snapshot, firstErr error) error {
	if s.resources > 0 {
		return nil
	}
	if len(s.empty) == 0 && firstErr != nil {
		return firstErr
	}
	skipped := ""
	if firstErr != nil {
		skipped = fmt.Sprintf(" (and %d files skipped as invalid)", len(s.Notes)-countNotes(s.Notes, "Ignored"))
	}
	if len(s.empty) == 1 {
		e := s.empty[0]
		return &InputError{File: e.file, Msg: "holds no network resources" + skipped + ": it looks like " + e.looks + "; " + exportHint}
	}
	e := s.empty[0]
	return &InputError{File: strings.Join(paths, ", "), Msg: fmt.Sprintf("holds no network resources in its %d files%s (%s looks like %s); %s",
		len(s.empty), skipped, e.file, e.looks, exportHint)}
}

func countNotes(notes []Note, code string) int {
	n := 0
	for _, x := range notes {
		if x.Code == code {
			n++
		}
	}
	return n
}
