package model

import "net/netip"

// NIC is a network interface. Private endpoints and load balancers are not NICs here:
// they have their own types, though all of them own addresses (see Owner).
type NIC struct {
	ID       ID
	Name     string
	Location string
	VM       *VM // nil when the NIC is not attached or the VM is not in the snapshot
	// VMName is the VM's name from the VM resource, or from virtualMachine.id when the
	// snapshot has no VM resource (cli.md).
	VMName string
	// VMID is virtualMachine.id as the NIC spells it; it groups a VM's NICs when the snapshot
	// has no VM resource.
	VMID ID
	// IPForwarding (enableIPForwarding) lets the NIC accept packets not addressed to it;
	// an appliance needs it (spec §1.4).
	IPForwarding bool
	NSG          *NSG
	// MissingNSG is the NSG the NIC references but the snapshot lacks (see Subnet.MissingNSG).
	MissingNSG ID
	IPConfigs  []*IPConfig // primary first
	DNSServers []netip.Addr
	Tags       map[string]string
}

// DisableSnatOnPL reports whether the NIC carries the tag disableSnatOnPL=true (key
// case-sensitive, value compared case-insensitively): the platform returns a private
// endpoint's replies through this appliance even though it did not SNAT them (spec §5).
func (n *NIC) DisableSnatOnPL() bool { return eqFold(n.Tags["disableSnatOnPL"], "true") }

// Primary returns the primary ip configuration (the first one when none is marked).
func (n *NIC) Primary() *IPConfig {
	for _, c := range n.IPConfigs {
		if c.Primary {
			return c
		}
	}
	if len(n.IPConfigs) > 0 {
		return n.IPConfigs[0]
	}
	return nil
}

// Subnet is the primary ip configuration's subnet, or nil.
func (n *NIC) Subnet() *Subnet {
	if p := n.Primary(); p != nil {
		return p.Subnet
	}
	return nil
}

// IPConfig is one ip configuration of a NIC.
type IPConfig struct {
	ID        ID
	Name      string
	NIC       *NIC
	Subnet    *Subnet
	PrivateIP netip.Addr // zero when not allocated
	Primary   bool
	PublicIP  *PublicIP // instance-level public IP (spec §4)
	ASGs      []*ASG
	// BackendPools are the load balancer backend pools this ip configuration is a member of.
	BackendPools []*BackendPool
	// GatewayLB is the Gateway Load Balancer frontend chained to this ip configuration (spec §6).
	GatewayLB *Frontend
}

// HasNSG reports whether an NSG of the snapshot sits on the ip configuration's NIC or subnet.
func (c *IPConfig) HasNSG() bool {
	return c.NIC != nil && c.NIC.NSG != nil || c.Subnet != nil && c.Subnet.NSG != nil
}

// VM is a virtual machine; vnetdoctor only needs its name and NICs.
type VM struct {
	ID   ID
	Name string
	NICs []*NIC // primary NIC first
}
