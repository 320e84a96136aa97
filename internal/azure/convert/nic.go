package convert

import (
	"sort"

	"github.com/vnetdoctor/vnetdoctor/internal/azure"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

const (
	typeNIC = "Microsoft.Network/networkInterfaces"
	typeVM  = "Microsoft.Compute/virtualMachines"
)

// nics builds NICs and their ip configurations. A NIC that a private endpoint manages is
// not a model NIC: its addresses belong to the endpoint (privateEndpoints reads them).
// A private endpoint is a read-only NIC: spec §5 [PEOV].
func (b *builder) buildNICs() {
	for _, w := range dedup(b, b.s.NICs) {
		b.count(typeNIC)
		if w.PrivateEndpoint != "" {
			b.peNICs = append(b.peNICs, w)
			continue
		}
		nic := &model.NIC{ID: model.ID(w.ID), Name: w.Name, Location: location(w.Location),
			IPForwarding: w.IPForwarding, DNSServers: w.DNSServers, Tags: w.Tags}
		if w.VM != "" {
			// cli.md: without the VM resource, the VM's name comes from virtualMachine.id.
			nic.VMName, nic.VMID = model.ID(w.VM).VMName(), model.ID(w.VM)
		}
		if w.NSG != "" {
			if nic.NSG = b.nsgs[b.key(w.NSG)]; nic.NSG == nil {
				b.dangling(nic.ID, "network security group", w.NSG)
				nic.MissingNSG = model.ID(w.NSG)
			}
		}
		for _, c := range w.IPConfigs {
			childID(&c.Meta, w.ID, "ipConfigurations")
			nic.IPConfigs = append(nic.IPConfigs, b.ipConfig(nic, c))
		}
		// Primary first (model.NIC.IPConfigs).
		sort.SliceStable(nic.IPConfigs, func(i, j int) bool { return nic.IPConfigs[i].Primary && !nic.IPConfigs[j].Primary })
		b.nics[b.key(w.ID)] = nic
		b.n.NICs = append(b.n.NICs, nic)
		b.n.Index(nic.ID, nic)
	}
}

func (b *builder) ipConfig(nic *model.NIC, w *azure.IPConfig) *model.IPConfig {
	c := &model.IPConfig{ID: model.ID(w.ID), Name: w.Name, NIC: nic, PrivateIP: w.PrivateIP, Primary: w.Primary}
	if w.Subnet != "" {
		if c.Subnet = b.subnets[b.key(w.Subnet)]; c.Subnet == nil {
			b.dangling(nic.ID, "subnet", w.Subnet)
		}
	}
	c.PublicIP = b.publicIP(nic.ID, w.PublicIP)
	c.ASGs = b.resolveASGs(nic.ID, w.ASGs)
	for _, id := range w.BackendPools {
		if p := b.pools[b.key(id)]; p != nil {
			c.BackendPools = append(c.BackendPools, p)
			p.IPConfigs = append(p.IPConfigs, c)
		} else {
			b.dangling(nic.ID, "load balancer backend pool", id)
		}
	}
	for _, id := range w.InboundNATRules {
		if r := b.lbNAT[b.key(id)]; r != nil {
			r.Target = c
		} else {
			b.dangling(nic.ID, "load balancer inbound NAT rule", id)
		}
	}
	if w.GatewayLB != "" {
		if c.GatewayLB = b.frontends[b.key(w.GatewayLB)]; c.GatewayLB == nil {
			b.dangling(nic.ID, "gateway load balancer frontend", w.GatewayLB)
		}
	}
	if c.ID != "" {
		b.ipconfigs[b.key(w.ID)] = c
		b.n.Index(c.ID, c)
	}
	return c
}

// vms names NICs after their VMs and orders each VM's NICs primary first.
func (b *builder) buildVMs() {
	vms := map[string]*model.VM{}
	for _, w := range dedup(b, b.s.VMs) {
		vm := &model.VM{ID: model.ID(w.ID), Name: w.Name}
		refs := append([]azure.VMNIC(nil), w.NICs...)
		sort.SliceStable(refs, func(i, j int) bool { return refs[i].Primary && !refs[j].Primary })
		for _, r := range refs {
			nic := b.nics[b.key(r.ID)]
			if nic == nil {
				b.dangling(vm.ID, "network interface", r.ID)
				continue
			}
			nic.VM, nic.VMName = vm, vm.Name
			vm.NICs = append(vm.NICs, nic)
		}
		vms[b.key(w.ID)] = vm
		b.n.VMs = append(b.n.VMs, vm)
		b.n.Index(vm.ID, vm)
		b.count(typeVM)
	}
	// A NIC naming a VM whose networkProfile does not list it still belongs to it.
	for _, w := range b.s.NICs {
		if nic, vm := b.nics[b.key(w.ID)], vms[b.key(w.VM)]; nic != nil && vm != nil && nic.VM == nil {
			nic.VM, nic.VMName = vm, vm.Name
			vm.NICs = append(vm.NICs, nic)
		}
	}
}
