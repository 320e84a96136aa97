package flowlog

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
)

// wireRecord is one element of a log: a PT1H.json record (VNet or NSG flow log, firewall
// diagnostic) or a Log Analytics export row. encoding/json matches names case-insensitively,
// which the logs need (SourceIp / sourceIp, resourceId / ResourceId).
type wireRecord struct {
	Time          string `json:"time"`
	TimeGenerated string `json:"TimeGenerated"`
	Category      string `json:"category"`
	Type          string `json:"Type"` // Log Analytics export: the table name
	OperationName string `json:"operationName"`
	ResourceID    string `json:"resourceId"`

	// VNet flow logs v4.
	FlowLogVersion    json.RawMessage `json:"flowLogVersion"`
	FlowLogResourceID string          `json:"flowLogResourceID"`
	TargetResourceID  string          `json:"targetResourceID"`
	MacAddress        string          `json:"macAddress"`
	FlowRecords       *struct {
		Flows []struct {
			ACLID      string `json:"aclID"`
			FlowGroups []struct {
				Rule       string   `json:"rule"`
				FlowTuples []string `json:"flowTuples"`
			} `json:"flowGroups"`
		} `json:"flows"`
	} `json:"flowRecords"`

	// NSG flow logs (properties.Version, properties.flows) and diagnostic firewall records
	// (properties = the AZFW columns or {msg}).
	Properties json.RawMessage `json:"properties"`

	// Log Analytics exports put the columns at the top level.
	fwColumns
}

// nsgProperties is an NSG flow log record's properties: rule -> mac -> tuples.
type nsgProperties struct {
	Version json.RawMessage `json:"Version"`
	Flows   []struct {
		Rule  string `json:"rule"`
		Flows []struct {
			MAC        string   `json:"mac"`
			FlowTuples []string `json:"flowTuples"`
		} `json:"flows"`
	} `json:"flows"`
}

// fwColumns are the AZFW* columns (learn.microsoft.com azure-monitor/reference/tables/azfw*)
// and the legacy msg. Numbers may come as strings, booleans as strings (logs.md §1).
type fwColumns struct {
	SourceIP            string   `json:"SourceIp"`
	SourcePort          flexUint `json:"SourcePort"`
	DestinationIP       string   `json:"DestinationIp"`
	DestinationPort     flexUint `json:"DestinationPort"`
	Protocol            string   `json:"Protocol"`
	Action              string   `json:"Action"`
	Policy              string   `json:"Policy"`
	RuleCollectionGroup string   `json:"RuleCollectionGroup"`
	RuleCollection      string   `json:"RuleCollection"`
	Rule                string   `json:"Rule"`
	ActionReason        string   `json:"ActionReason"`
	Fqdn                string   `json:"Fqdn"`
	TargetURL           string   `json:"TargetUrl"`
	TranslatedIP        string   `json:"TranslatedIp"`
	TranslatedPort      flexUint `json:"TranslatedPort"`
	QueryName           string   `json:"QueryName"`
	ResponseCode        string   `json:"ResponseCode"`
	ErrorMessage        string   `json:"ErrorMessage"`
	Flag                string   `json:"Flag"`
	ThreatDescription   string   `json:"ThreatDescription"`
	Msg                 string   `json:"msg"`
	MsgS                string   `json:"msg_s"`
}

// flexUint is a JSON number, a string holding one, or null/empty/absent (0). bad is set when
// the value was present but not a non-negative integer.
type flexUint struct {
	v   uint64
	bad bool
}

func (f *flexUint) UnmarshalJSON(b []byte) error {
	*f = flexUint{}
	b = bytes.TrimSpace(b)
	if len(b) == 0 || string(b) == "null" {
		return nil
	}
	s := string(b)
	if b[0] == '"' {
		u, err := strconv.Unquote(s)
		if err != nil {
			f.bad = true
			return nil
		}
		if s = strings.TrimSpace(u); s == "" {
			return nil
		}
	}
	v, err := strconv.ParseUint(s, 10, 64)
	f.v, f.bad = v, err != nil
	return nil
}
