// Package plan reads a planned change — ARM what-if output or a Terraform plan — as overlays on
// a loaded snapshot's wire objects (cli.md "plan overlays"): resources put (created or replaced
// by the body they will have) and resources deleted. Apply runs before the converter, so every
// command answers about the planned estate with the code it answers the deployed one.
//
// Values known only after deployment (an unevaluated ARM expression, Terraform's "known after
// apply") are never guessed: a reference becomes an ID that resolves to nothing, which the
// converter reports as dangling and every answer that depends on it as Unknown
// (InsufficientInformation); any other such value is left out. Both are warnings.
package plan

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"strings"

	"github.com/vnetdoctor/vnetdoctor/internal/azure"
)

// Overlay is one plan file's changes.
type Overlay struct {
	File string
	Kind string // "what-if" or "terraform"
	// Puts are ARM resource bodies ({id, name, type, location, properties, ...}) that replace
	// the resource with the same ID, or add it.
	Puts []Put
	// Deletes are resource IDs removed with their children.
	Deletes []string
	// Patches set one field of a resource the snapshot (or a put) has: what a Terraform
	// association resource changes.
	Patches  []Patch
	Warnings []Warning
}

// Put is one planned resource body and where it came from (for messages).
type Put struct {
	From string // the change's address in the plan: a what-if resourceId, a Terraform address
	Body map[string]any
	// Keep are wire fields (azure.Subnet.NSG, ...) the body does not say, which keep the
	// replaced resource's values: Terraform manages them with resources of their own.
	Keep []string
	// Partial: the body holds only the properties a mapping knows (azurerm); those it lacks are
	// not removals. What-if and azapi bodies are whole.
	Partial bool
}

// Patch sets Field (a wire field name, e.g. "NSG" of azure.Subnet) of the resource with ID to
// Value, or adds Value to the list Field (List) or removes it (List and Remove): what a Terraform
// association resource changes.
type Patch struct {
	From, ID, Field string
	Value           any
	List, Remove    bool
	// EachIPConfig: ID is a NIC, and the patch applies to each of its ip configurations that
	// TakesIPConfig.
	EachIPConfig bool
}

// TakesIPConfig reports whether an EachIPConfig patch applies to the NIC's ip configuration
// with private address a: an ASG association applies to the IPv4 ones
// (hashicorp/terraform-provider-azurerm #5815, #32633); one without a known address counts.
func (p Patch) TakesIPConfig(a netip.Addr) bool { return !a.Is6() }

// Warning is something about the plan an answer may depend on.
type Warning struct {
	Code     string // PlanUnknownValue, PlanNotApplied, PlanNoise, PlanPotentialChange
	Resource string
	Message  string
}

// InputError is a plan file that cannot be read: the file, where in it, and what is wrong. It
// is the snapshot loader's error type, so the CLI reports both alike (exit 2).
type InputError = azure.InputError

// Read reads a plan file: what-if output (CLI or REST, including a REST example file) or
// `terraform show -json` of a plan. base is the snapshot the plan applies to: Terraform
// resources created by the plan take their subscription from it.
func Read(file string, data []byte, base *azure.Snapshot) (*Overlay, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	var doc map[string]any
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		return nil, &InputError{File: file, Msg: "not a JSON object: " + err.Error()}
	}
	switch {
	case doc["format_version"] != nil && (doc["resource_changes"] != nil || doc["planned_values"] != nil || doc["configuration"] != nil):
		return readTerraform(file, doc, base)
	case doc["changes"] != nil || obj(doc["properties"])["changes"] != nil || doc["responses"] != nil:
		return readWhatIf(file, doc, base)
	case doc["format_version"] != nil && doc["values"] != nil:
		return nil, &InputError{File: file, Msg: "a Terraform state, not a plan: give `terraform show -json PLANFILE`"}
	}
	return nil, &InputError{File: file, Msg: "neither what-if output (`az deployment group what-if --no-pretty-print -o json`, or the REST whatIf answer) nor a Terraform plan (`terraform show -json PLANFILE`)"}
}

// obj is v as a JSON object, or nil.
func obj(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

// str is v as a string, or "".
func str(v any) string {
	s, _ := v.(string)
	return s
}

// lookup is a member of m by case-insensitive name (ARM property names match case-insensitively).
func lookup(m map[string]any, k string) (any, bool) {
	if v, ok := m[k]; ok {
		return v, true
	}
	for kk, v := range m {
		if strings.EqualFold(kk, k) {
			return v, true
		}
	}
	return nil, false
}

func (o *Overlay) warn(code, resource, format string, a ...any) {
	o.Warnings = append(o.Warnings, Warning{Code: code, Resource: resource, Message: fmt.Sprintf(format, a...)})
}

// ApplyFiles reads each plan file (at most maxSize bytes) and applies it to s in order; it
// returns the overlays, with their warnings. A file that cannot be read or applied is an
// *InputError.
func ApplyFiles(s *azure.Snapshot, files []string, maxSize int64) ([]*Overlay, error) {
	var out []*Overlay
	for _, f := range files {
		data, err := readFile(f, maxSize)
		if err != nil {
			return nil, err
		}
		ov, err := Read(f, data, s)
		if err != nil {
			return nil, err
		}
		if err := Apply(s, ov); err != nil {
			return nil, err
		}
		out = append(out, ov)
	}
	return out, nil
}

func readFile(name string, maxSize int64) ([]byte, error) {
	st, err := os.Stat(name)
	if err == nil && !st.Mode().IsRegular() {
		return nil, &InputError{File: name, Msg: "--plan: not a regular file"}
	}
	if err == nil && maxSize > 0 && st.Size() > maxSize {
		return nil, &InputError{File: name, Msg: fmt.Sprintf("--plan: %s is larger than --max-file-size", azure.FormatSize(st.Size()))}
	}
	data, err := os.ReadFile(name)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, &InputError{File: name, Msg: "--plan: " + err.Error()}
	}
	return data, nil
}

// zoneGroupType is a private endpoint's private DNS zone group.
const zoneGroupType = "Microsoft.Network/privateEndpoints/privateDnsZoneGroups"

// newZoneGroup warns (zoneGroupWarning) when body, the ARM body of a resource a plan creates, is
// a private DNS zone group. A group the estate already has wrote its records, which the
// snapshot's zones hold.
func (ov *Overlay) newZoneGroup(from string, body map[string]any) {
	if !strings.EqualFold(str(body["type"]), zoneGroupType) {
		return
	}
	var zones []string
	for _, c := range asList(obj(body["properties"])["privateDnsZoneConfigs"]) {
		zones = append(zones, str(obj(obj(c)["properties"])["privateDnsZoneId"]))
	}
	ov.zoneGroupWarning(from, str(body["name"]), zones)
}

// zoneGroupWarning says what a planned private DNS zone group does that the overlay does not: when
// the endpoint is deployed, Azure writes its A records (its FQDNs to its private addresses) in the
// group's zones and keeps them while the endpoint lives (learn.microsoft.com/azure/private-link/
// private-endpoint-dns-integration; REST virtualnetwork private-dns-zone-groups create-or-update).
// Those names and addresses are known only then, so no record is written and none guessed.
func (ov *Overlay) zoneGroupWarning(from, group string, zoneIDs []string) {
	var zones []string
	for _, id := range zoneIDs {
		if i := strings.LastIndexByte(id, '/'); i >= 0 && i < len(id)-1 {
			zones = append(zones, id[i+1:])
		}
	}
	in := "its zones"
	if len(zones) > 0 {
		in = strings.Join(zones, ", ")
	}
	ov.warn("PlanNotApplied", from, "%s: private DNS zone group %s: the A records Azure writes in %s when the endpoint is deployed are not in the planned estate (their names and addresses are known only then); names there resolve from the records the snapshot and the plan hold", from, group, in)
}
