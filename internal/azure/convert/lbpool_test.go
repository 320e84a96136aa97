package convert

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// TestIPBasedPoolMembers: an IP-based backend pool's addresses become members through the NIC ip
// configuration holding them (learn.microsoft.com/azure/load-balancer/backend-pool-management):
// the one Azure names (networkInterfaceIPConfiguration), else the one in the address's virtual
// network, the pool's, or the load balancer's (an internal frontend's), else the only one in the
// snapshot, with a warning. An address two VNets' NICs hold with no VNet to choose by, whose
// link names a NIC the snapshot lacks, or that no NIC holds, stays an address. Every such pool
// is IP-based.
func TestIPBasedPoolMembers(t *testing.T) {
	const rg = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/"
	vnet := func(name string) string {
		return fmt.Sprintf(`{"name":%q,"id":"%svirtualNetworks/%s","type":"Microsoft.Network/virtualNetworks","properties":{`+
			`"addressSpace":{"addressPrefixes":["10.0.0.0/16"]},"subnets":[{"name":"s","id":"%svirtualNetworks/%s/subnets/s","properties":{"addressPrefix":"10.0.1.0/24"}}]}}`,
			name, rg, name, rg, name)
	}
	nic := func(name, vnet, addr string) string {
		return fmt.Sprintf(`{"name":%q,"id":"%snetworkInterfaces/%s","type":"Microsoft.Network/networkInterfaces","properties":{"ipConfigurations":[`+
			`{"name":"ip","id":"%snetworkInterfaces/%s/ipConfigurations/ip","properties":{"privateIPAddress":%q,"subnet":{"id":"%svirtualNetworks/%s/subnets/s"}}}]}}`,
			name, rg, name, rg, name, addr, rg, vnet)
	}
	// member is an address, with its virtual network and Azure's link when given.
	member := func(addr, vnet, nic string) string {
		more := ""
		if vnet != "" {
			more += fmt.Sprintf(`,"virtualNetwork":{"id":"%svirtualNetworks/%s"}`, rg, vnet)
		}
		if nic != "" {
			more += fmt.Sprintf(`,"networkInterfaceIPConfiguration":{"id":"%snetworkInterfaces/%s/ipConfigurations/ip"}`, rg, nic)
		}
		return fmt.Sprintf(`{"name":%q,"properties":{"ipAddress":%q%s}}`, addr, addr, more)
	}
	lb := func(name, frontend, poolVNet string, members ...string) string {
		pv := ""
		if poolVNet != "" {
			pv = fmt.Sprintf(`"virtualNetwork":{"id":"%svirtualNetworks/%s"},`, rg, poolVNet)
		}
		return fmt.Sprintf(`{"name":%q,"id":"%sloadBalancers/%s","type":"Microsoft.Network/loadBalancers","sku":{"name":"Standard"},"properties":{`+
			`"frontendIPConfigurations":[{"name":"fe","id":"%sloadBalancers/%s/frontendIPConfigurations/fe","properties":%s}],`+
			`"backendAddressPools":[{"name":"pool","id":"%sloadBalancers/%s/backendAddressPools/pool","properties":{%s"loadBalancerBackendAddresses":[%s]}}]}}`,
			name, rg, name, rg, name, frontend, rg, name, pv, strings.Join(members, ","))
	}
	internal := fmt.Sprintf(`{"privateIPAddress":"10.0.1.100","subnet":{"id":"%svirtualNetworks/vnet-a/subnets/s"}}`, rg)
	public := fmt.Sprintf(`{"publicIPAddress":{"id":"%spublicIPAddresses/pip"}}`, rg)
	pip := fmt.Sprintf(`{"name":"pip","id":"%spublicIPAddresses/pip","type":"Microsoft.Network/publicIPAddresses","sku":{"name":"Standard"},"properties":{"ipAddress":"20.0.0.1"}}`, rg)
	docs := []string{vnet("vnet-a"), vnet("vnet-b"), nic("nic-a", "vnet-a", "10.0.1.4"), nic("nic-b", "vnet-b", "10.0.1.4"),
		nic("nic-c", "vnet-a", "10.0.1.5"), pip,
		lb("lb-int", internal, "", member("10.0.1.4", "", ""), member("10.0.1.5", "", "nic-c"), member("10.0.1.9", "", "")),
		lb("lb-pub", public, "", member("10.0.1.4", "", ""), member("10.0.1.5", "", "")),
		lb("lb-link", public, "", member("10.0.1.4", "", "nic-b")),
		lb("lb-gone", public, "", member("10.0.1.5", "", "nic-gone")),
		lb("lb-addr-vnet", public, "", member("10.0.1.4", "vnet-b", "")),
		lb("lb-pool-vnet", public, "vnet-b", member("10.0.1.4", "", "")),
		// lb-pub's addresses the other way round: a member found by guess tells nothing of the
		// VNet of the next (found by review)
		lb("lb-order", public, "", member("10.0.1.5", "", ""), member("10.0.1.4", "", ""))}
	n, err := FromBytes("estate.json", []byte("["+strings.Join(docs, ",")+"]"))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"lb-int": "[nic-a nic-c] [10.0.1.9]", "lb-pub": "[nic-c] [10.0.1.4]", "lb-link": "[nic-b] []",
		"lb-gone": "[] [10.0.1.5]", "lb-addr-vnet": "[nic-b] []", "lb-pool-vnet": "[nic-b] []", "lb-order": "[nic-c] [10.0.1.4]"}
	for _, l := range n.LoadBalancers {
		p := l.BackendPools[0]
		var nics []string
		for _, c := range p.IPConfigs {
			nics = append(nics, c.NIC.Name)
			if !slices.Contains(c.BackendPools, p) {
				t.Errorf("%s: %s is a member but does not name the pool", l.Name, c.NIC.Name)
			}
		}
		if got := fmt.Sprint(nics, p.Addresses); got != want[l.Name] || !p.IPBased {
			t.Errorf("%s: members and addresses left %s, IP-based %v; want %s", l.Name, got, p.IPBased, want[l.Name])
		}
	}
	var guessed []string
	for _, w := range n.Warnings {
		if w.Code == "Assumption" && strings.Contains(w.Message, "without its virtual network") {
			guessed = append(guessed, w.Message)
		}
	}
	if len(guessed) != 2 || !strings.Contains(guessed[0], "10.0.1.5") || !strings.Contains(guessed[1], "nic-c") {
		t.Errorf("assumption warnings %q; want two, lb-pub's and lb-order's 10.0.1.5 taken to be nic-c's", guessed)
	}
}
