package collect

import (
	"bytes"
	"encoding/json"
	"sort"
	"strings"
	"sync"

	"github.com/vnetdoctor/vnetdoctor/internal/azure"
)

// seen is what later steps need from the rows as they stream past: private endpoint targets,
// forwarding rulesets, the regions in use, NICs and their subnets for --effective.
type seen struct {
	mu        sync.Mutex
	ids       map[string]bool // lower-case IDs of every row written
	targets   map[string]string
	rulesets  []string
	locations map[string]int
	wantNICs  bool
	nics      []nicInfo
}

type nicInfo struct {
	ID, Name, Subnet string
	VM               bool
}

func newSeen(wantNICs bool) *seen {
	return &seen{ids: map[string]bool{}, targets: map[string]string{}, locations: map[string]int{}, wantNICs: wantNICs}
}

// rowHead is the part of a row every row is read for.
type rowHead struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Type     string `json:"type"`
	Location string `json:"location"`
}

// inspect redacts secrets from rows and notes what later steps need.
func (r *run) inspect(rows []json.RawMessage) []json.RawMessage {
	for i, row := range rows {
		clean, n := redact(row)
		if n > 0 {
			rows[i] = clean
			r.redacted.Add(int64(n))
		}
		var h rowHead
		if json.Unmarshal(rows[i], &h) != nil {
			continue
		}
		rows[i] = recase(rows[i], h)
		r.seen.note(h, rows[i])
	}
	return rows
}

func (s *seen) note(h rowHead, row []byte) {
	t := strings.ToLower(h.Type)
	var pe *peProps
	var nic *nicInfo
	switch t {
	case nw + "privateendpoints":
		pe = &peProps{}
		var w struct {
			Properties *peProps `json:"properties"`
		}
		w.Properties = pe
		json.Unmarshal(row, &w)
	case nw + "networkinterfaces":
		if s.wantNICs {
			nic = readNIC(h, row)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ids[strings.ToLower(h.ID)] = true
	switch t {
	case nw + "virtualnetworks":
		if h.Location != "" {
			s.locations[strings.ToLower(h.Location)]++
		}
	case nw + "dnsforwardingrulesets":
		s.rulesets = append(s.rulesets, h.ID)
	case nw + "privateendpoints":
		for _, c := range append(pe.Auto, pe.Manual...) {
			if id := c.Properties.Target; id != "" {
				s.targets[strings.ToLower(id)] = id
			}
		}
	case nw + "networkinterfaces":
		if nic != nil {
			s.nics = append(s.nics, *nic)
		}
	}
}

type peProps struct {
	Auto   []peConn `json:"privateLinkServiceConnections"`
	Manual []peConn `json:"manualPrivateLinkServiceConnections"`
}

type peConn struct {
	Properties struct {
		Target string `json:"privateLinkServiceId"`
	} `json:"properties"`
}

func readNIC(h rowHead, row []byte) *nicInfo {
	var w struct {
		Properties struct {
			VM *struct {
				ID string `json:"id"`
			} `json:"virtualMachine"`
			IPConfigs []struct {
				Properties struct {
					Subnet struct {
						ID string `json:"id"`
					} `json:"subnet"`
				} `json:"properties"`
			} `json:"ipConfigurations"`
		} `json:"properties"`
	}
	if json.Unmarshal(row, &w) != nil {
		return nil
	}
	n := &nicInfo{ID: h.ID, Name: h.Name, VM: w.Properties.VM != nil && w.Properties.VM.ID != ""}
	if len(w.Properties.IPConfigs) > 0 {
		n.Subnet = w.Properties.IPConfigs[0].Properties.Subnet.ID
	}
	return n
}

// missingTargets are private endpoint targets no family collected (storage accounts, SQL
// servers, key vaults...), sorted.
func (s *seen) missingTargets() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for low, id := range s.targets {
		if !s.ids[low] {
			out = append(out, id)
		}
	}
	sort.Strings(out)
	return out
}

// region is the region most VNets are in ("" when there is no VNet).
func (s *seen) region() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	best, n := "", 0
	for loc, c := range s.locations {
		if c > n || c == n && loc < best {
			best, n = loc, c
		}
	}
	return best
}

// recase writes a row's type with the casing of its ID: Resource Graph lower-cases types
// (spec collect.md §2), ARM and its IDs do not, and a summary of the collected snapshot should
// name types (those the loader does not read included) as one of the estate's files does.
func recase(row []byte, h rowHead) []byte {
	canon := azure.TypeFromID(h.ID)
	if canon == h.Type || !strings.EqualFold(canon, h.Type) {
		return row
	}
	old := []byte(`"type":"` + h.Type + `"`)
	if !bytes.Contains(row, old) {
		return row
	}
	return bytes.Replace(row, old, []byte(`"type":"`+canon+`"`), 1)
}
