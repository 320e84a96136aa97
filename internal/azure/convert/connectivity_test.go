package convert

import (
	"fmt"
	"strings"
	"testing"

	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

const avnm = dnsPrefix + "networkManagers/nm/"

// avnmSnap is three VNets (a, b in westeurope, c in northeurope), group g with static members
// listed, and the given connectivity configuration properties.
func avnmSnap(t *testing.T, members []string, cfg string, extra ...string) *model.Network {
	t.Helper()
	var rs []string
	for i, name := range []string{"a", "b", "c"} {
		loc := "westeurope"
		if name == "c" {
			loc = "northeurope"
		}
		rs = append(rs, fmt.Sprintf(`{"id":"%svirtualNetworks/%s","type":"Microsoft.Network/virtualNetworks","location":"%s",
			"properties":{"addressSpace":{"addressPrefixes":["10.%d.0.0/16"]}}}`, dnsPrefix, name, loc, i))
	}
	rs = append(rs, `{"id":"`+avnm+`networkGroups/g","type":"Microsoft.Network/networkManagers/networkGroups","properties":{}}`)
	for _, m := range members {
		rs = append(rs, `{"id":"`+avnm+`networkGroups/g/staticMembers/`+m+`","type":"Microsoft.Network/networkManagers/networkGroups/staticMembers",
			"properties":{"resourceId":"`+dnsPrefix+`virtualNetworks/`+m+`"}}`)
	}
	rs = append(rs, `{"id":"`+avnm+`connectivityConfigurations/cc","type":"Microsoft.Network/networkManagers/connectivityConfigurations",
		"properties":`+strings.ReplaceAll(cfg, "GROUP", avnm+"networkGroups/g")+`}`)
	rs = append(rs, extra...)
	n, err := FromBytes("avnm.json", []byte("["+strings.Join(rs, ",")+"]"))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// topology renders each VNet's connected groups and peerings.
func topology(n *model.Network) string {
	var parts []string
	for _, v := range n.VNets {
		for _, g := range v.ConnectedGroups {
			var ms []string
			for _, m := range g.Members {
				ms = append(ms, m.Name)
			}
			parts = append(parts, v.Name+" in "+g.Name+"["+strings.Join(ms, ",")+"]")
		}
		for _, p := range v.Peerings {
			parts = append(parts, fmt.Sprintf("%s→%s %s gwTransit=%v useRemote=%v", v.Name, p.Remote.Name, p.State, p.AllowGatewayTransit, p.UseRemoteGateways))
		}
	}
	return strings.Join(parts, "; ")
}

// Microsoft's concept-connectivity-configuration article: a regional mesh connects members of one
// region only; global mesh all; hub and spoke peers the hub with each spoke, and with useHubGateway
// and no hub gateway the spoke's link cannot be created.
func TestConnectivityConfigurations(t *testing.T) {
	cases := []struct {
		name, cfg string
		members   []string
		want      string
		warn      string
	}{
		{"regional mesh", `{"connectivityTopology":"Mesh","isGlobal":"False","appliesToGroups":[{"networkGroupId":"GROUP"}]}`,
			[]string{"a", "b", "c"}, "a in cc/g/westeurope[a,b]; b in cc/g/westeurope[a,b]", "assumes it is"},
		{"global mesh", `{"connectivityTopology":"Mesh","isGlobal":"True","appliesToGroups":[{"networkGroupId":"GROUP"}]}`,
			[]string{"a", "b", "c"}, "a in cc/g[a,b,c]; b in cc/g[a,b,c]; c in cc/g[a,b,c]", ""},
		{"hub and spoke with the hub as gateway but no gateway",
			`{"connectivityTopology":"HubAndSpoke","hubs":[{"resourceId":"` + dnsPrefix + `virtualNetworks/a"}],
			  "appliesToGroups":[{"networkGroupId":"GROUP","useHubGateway":"True","groupConnectivity":"None"}]}`,
			[]string{"b"}, "a→b Initiated gwTransit=false useRemote=false", "has no virtual network gateway"},
		{"hub and spoke, direct connectivity", `{"connectivityTopology":"HubAndSpoke","hubs":[{"resourceId":"` + dnsPrefix + `virtualNetworks/a"}],
			  "appliesToGroups":[{"networkGroupId":"GROUP","useHubGateway":"False","groupConnectivity":"DirectlyConnected","isGlobal":"True"}]}`,
			[]string{"a", "b", "c"}, "a→b Connected gwTransit=false useRemote=false; a→c Connected gwTransit=false useRemote=false; " +
				"b in cc/g[b,c]; b→a Connected gwTransit=false useRemote=false; c in cc/g[b,c]; c→a Connected gwTransit=false useRemote=false", ""},
		{"dynamic membership", `{"connectivityTopology":"Mesh","appliesToGroups":[{"networkGroupId":"GROUP"}]}`,
			nil, "", "dynamic (Azure Policy) membership is not modelled"},
	}
	for _, c := range cases {
		n := avnmSnap(t, c.members, c.cfg)
		if got := topology(n); got != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.name, got, c.want)
		}
		if c.warn != "" && !anyWarning(n, c.warn) {
			t.Errorf("%s: no warning saying %q in %v", c.name, c.warn, n.Warnings)
		}
	}
}

// A deployment status row (networkManagers/listDeploymentStatus) limits a configuration to the
// regions it is committed to; a configuration deployed nowhere connects nothing.
func TestConnectivityDeploymentStatus(t *testing.T) {
	global := `{"connectivityTopology":"Mesh","isGlobal":"True","appliesToGroups":[{"networkGroupId":"GROUP"}]}`
	row := func(region, status string) string {
		return `{"region":"` + region + `","deploymentStatus":"` + status + `","deploymentType":"Connectivity","configurationIds":["` +
			avnm + `connectivityConfigurations/cc"]}`
	}
	n := avnmSnap(t, []string{"a", "b", "c"}, global, row("West Europe", "Deployed"), row("northeurope", "Deploying"))
	if got, want := topology(n), "a in cc/g[a,b]; b in cc/g[a,b]"; got != want {
		t.Errorf("deployed in westeurope only: got %s, want %s", got, want)
	}
	if anyWarning(n, "assumes it is") {
		t.Error("deployment status given, yet the configuration is still assumed deployed")
	}
	n = avnmSnap(t, []string{"a", "b", "c"}, global, row("westeurope", "Failed"))
	if got := topology(n); got != "" || !anyWarning(n, "is not deployed in any region") {
		t.Errorf("deployed nowhere: topology %q, warnings %v", got, n.Warnings)
	}
}

func anyWarning(n *model.Network, substr string) bool {
	for _, w := range n.Warnings {
		if strings.Contains(w.Message, substr) {
			return true
		}
	}
	return false
}
