package convert

import (
	"net/netip"
	"slices"
	"strings"

	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

const (
	typePE         = "Microsoft.Network/privateEndpoints"
	typeNetApp     = "Microsoft.NetApp/netAppAccounts/capacityPools/volumes"
	typeAppGateway = "Microsoft.Network/applicationGateways"
)

// privateEndpoints builds private endpoints. Their addresses come from the endpoint's
// ipConfigurations and customDnsConfigs and, when the snapshot has it, from the NIC the
// endpoint manages (spec §5).
func (b *builder) buildPrivateEndpoints() {
	pes := map[string]*model.PrivateEndpoint{}
	for _, w := range dedup(b, b.s.PrivateEndpoints) {
		pe := &model.PrivateEndpoint{ID: model.ID(w.ID), Name: w.Name, Connections: w.Connections,
			IPs: append([]netip.Addr(nil), w.IPs...)}
		for _, c := range w.DNS {
			pe.DNS = addEndpointDNS(pe.DNS, c.FQDN, c.IPs...)
		}
		if len(w.NICs) > 0 {
			pe.NICID = model.ID(w.NICs[0])
		}
		if w.Subnet != "" {
			if pe.Subnet = b.subnets[b.key(w.Subnet)]; pe.Subnet == nil {
				b.dangling(pe.ID, "subnet", w.Subnet)
			}
		}
		pes[b.key(w.ID)] = pe
		b.n.PrivateEndpoints = append(b.n.PrivateEndpoints, pe)
		b.n.Index(pe.ID, pe)
		b.count(typePE)
	}
	for _, nic := range b.peNICs {
		pe := pes[b.key(nic.PrivateEndpoint)]
		if pe == nil {
			b.dangling(model.ID(nic.ID), "private endpoint", nic.PrivateEndpoint)
			continue
		}
		for _, c := range nic.IPConfigs {
			pe.IPs = addAddr(pe.IPs, c.PrivateIP)
			for _, f := range c.FQDNs {
				pe.DNS = addEndpointDNS(pe.DNS, f, c.PrivateIP)
			}
			if pe.Subnet == nil && c.Subnet != "" {
				pe.Subnet = b.subnets[b.key(c.Subnet)]
			}
		}
	}
	for _, pe := range b.n.PrivateEndpoints {
		if len(pe.IPs) == 0 {
			b.n.Warn("InsufficientInformation", pe.ID, "private endpoint "+pe.Name+" has no known IP address "+
				"(no ipConfigurations, customDnsConfigs or network interface in the snapshot)")
		}
	}
}

// addEndpointDNS adds the addresses of name (lower-case, no trailing dot) to a private endpoint's
// DNS list: customDnsConfigs and the NIC's privateLinkConnectionProperties.fqdns often repeat it.
func addEndpointDNS(ds []model.EndpointDNS, name string, ips ...netip.Addr) []model.EndpointDNS {
	name = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(name)), ".")
	if name == "" {
		return ds
	}
	i := slices.IndexFunc(ds, func(d model.EndpointDNS) bool { return d.FQDN == name })
	if i < 0 {
		ds, i = append(ds, model.EndpointDNS{FQDN: name}), len(ds)
	}
	for _, a := range ips {
		ds[i].IPs = addAddr(ds[i].IPs, a)
	}
	return ds
}

func addAddr(s []netip.Addr, a netip.Addr) []netip.Addr {
	if !a.IsValid() {
		return s
	}
	for _, x := range s {
		if x == a {
			return s
		}
	}
	return append(s, a)
}

func (b *builder) buildNetAppVolumes() {
	for _, w := range dedup(b, b.s.NetAppVolumes) {
		v := &model.NetAppVolume{ID: model.ID(w.ID), Name: w.Name, NetworkFeatures: w.NetworkFeatures, MountTargets: w.MountTargets}
		if w.Subnet != "" {
			if v.Subnet = b.subnets[b.key(w.Subnet)]; v.Subnet == nil {
				b.dangling(v.ID, "subnet", w.Subnet)
			}
		}
		b.n.NetAppVolumes = append(b.n.NetAppVolumes, v)
		b.n.Index(v.ID, v)
		b.count(typeNetApp)
	}
}

// buildAppGateways links each application gateway to the subnet of its (first) gateway ip
// configuration, where its instances run, and to its frontends' public IPs. The subnet's
// addresses no listed resource holds are then its instances' (model.Subnet.UnlistedService).
func (b *builder) buildAppGateways() {
	for _, w := range dedup(b, b.s.AppGateways) {
		g := &model.AppGateway{ID: model.ID(w.ID), Name: w.Name, PrivateIPs: w.PrivateIPs}
		if len(w.Subnets) > 0 {
			if g.Subnet = b.subnets[b.key(w.Subnets[0])]; g.Subnet == nil {
				b.dangling(g.ID, "subnet", w.Subnets[0])
			} else {
				g.Subnet.AppGateways = append(g.Subnet.AppGateways, g)
			}
		}
		for _, id := range w.PublicIPs {
			if p := b.publicIP(g.ID, id); p != nil {
				g.PublicIPs = append(g.PublicIPs, p)
			}
		}
		b.n.AppGateways = append(b.n.AppGateways, g)
		b.n.Index(g.ID, g)
		b.count(typeAppGateway)
	}
}

// Service tags file ServiceTags_Public_*.json: spec §2.4 [TAG].
func (b *builder) buildServiceTags() {
	for _, t := range b.s.ServiceTags {
		if t.Name == "" {
			continue
		}
		b.n.ServiceTags[b.key(t.Name)] = &model.ServiceTag{Name: t.Name, Region: t.Region, Prefixes: t.Prefixes}
	}
	if len(b.n.ServiceTags) > 0 {
		b.n.Counts["Microsoft.Network/serviceTags"] = len(b.n.ServiceTags)
	}
}
