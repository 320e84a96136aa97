package main

import (
	"errors"
	"fmt"
	"net/netip"
	"sort"
	"strings"

	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// explain turns a name the snapshot does not hold into a usage error that suggests the nearest
// names ("did you mean"), and an ambiguous name into one that lists the candidates one per line
// with their addresses. Other errors pass through.
func explain(err error, n *model.Network) error {
	var nf *model.NotFoundError
	var amb *model.AmbiguousError
	switch {
	case n == nil || err == nil:
		return err
	case errors.As(err, &nf):
		if strings.HasPrefix(strings.ToLower(nf.Ref), "internet:") {
			return err
		}
		if _, perr := netip.ParseAddr(nf.Ref); perr == nil {
			return err
		}
		return usagef("%v%s", err, didYouMean(nf.Ref, knownNames(n, nf.Kind)))
	case errors.As(err, &amb):
		var b strings.Builder
		fmt.Fprintf(&b, "%q is ambiguous: give one of these IDs (or an address):", amb.Ref)
		for _, id := range amb.Candidates {
			fmt.Fprintf(&b, "\n  %s", id)
			if ips := addressesOf(n, id); len(ips) > 0 {
				fmt.Fprintf(&b, "  %s", strings.Join(ips, ", "))
			}
		}
		return usagef("%s", b.String())
	}
	return err
}

// knownNames are the names a reference of this kind could have meant: NICs, VMs, private
// endpoints, firewalls, load balancers, public IPs and, for subnets, VNET/SUBNET.
func knownNames(n *model.Network, kind string) []string {
	if strings.HasPrefix(kind, "subnet") {
		out := make([]string, 0, len(n.Subnets))
		for _, s := range n.Subnets {
			if s.VNet != nil {
				out = append(out, s.VNet.Name+"/"+s.Name)
			}
		}
		return out
	}
	var out []string
	for _, nic := range n.NICs {
		out = append(out, nic.Name)
		if nic.VMName != "" {
			out = append(out, nic.VMName)
		}
	}
	if strings.HasPrefix(kind, "NIC") {
		return out
	}
	for _, pe := range n.PrivateEndpoints {
		out = append(out, pe.Name)
	}
	for _, fw := range n.Firewalls {
		out = append(out, fw.Name)
	}
	for _, lb := range n.LoadBalancers {
		out = append(out, lb.Name)
	}
	for _, p := range n.PublicIPs {
		out = append(out, p.Name)
	}
	return out
}

// didYouMean is ` (did you mean "a"?)` or ` (did you mean "a", "b" or "c"?)` naming the
// candidates nearest to ref by edit distance (case-insensitive), when any is near: 2 edits, or a
// third of ref's length up to 3 (1 for names shorter than 4). It is "" when none is.
func didYouMean(ref string, candidates []string) string {
	limit := min(3, max(2, len(ref)/3))
	if len(ref) < 4 {
		limit = 1
	}
	type near struct {
		name string
		d    int
	}
	var best []near
	seen := map[string]bool{}
	for _, c := range candidates {
		lc := strings.ToLower(c)
		if c == "" || seen[lc] || abs(len(c)-len(ref)) > limit {
			continue
		}
		seen[lc] = true
		if d := editDistance(strings.ToLower(ref), lc); d <= limit {
			best = append(best, near{c, d})
		}
	}
	if len(best) == 0 {
		return ""
	}
	sort.Slice(best, func(i, j int) bool {
		if best[i].d != best[j].d {
			return best[i].d < best[j].d
		}
		return best[i].name < best[j].name
	})
	best = best[:min(3, len(best))]
	q := make([]string, len(best))
	for i, b := range best {
		q[i] = fmt.Sprintf("%q", b.name)
	}
	if len(q) == 1 {
		return " (did you mean " + q[0] + "?)"
	}
	return " (did you mean " + strings.Join(q[:len(q)-1], ", ") + " or " + q[len(q)-1] + "?)"
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// editDistance is the Levenshtein distance between a and b, in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// addressesOf lists the addresses of a candidate resource, to tell candidates apart.
func addressesOf(n *model.Network, id model.ID) []string {
	r, ok := n.Lookup(id)
	if !ok {
		return nil
	}
	var out []string
	add := func(a netip.Addr) {
		if a.IsValid() {
			out = append(out, a.String())
		}
	}
	switch x := r.(type) {
	case *model.NIC:
		for _, c := range x.IPConfigs {
			add(c.PrivateIP)
		}
	case *model.VM:
		for _, nic := range x.NICs {
			for _, c := range nic.IPConfigs {
				add(c.PrivateIP)
			}
		}
	case *model.PrivateEndpoint:
		for _, a := range x.IPs {
			add(a)
		}
	case *model.Firewall:
		add(x.PrivateIP)
	case *model.LoadBalancer:
		for _, f := range x.Frontends {
			add(f.PrivateIP)
			if f.PublicIP != nil {
				add(f.PublicIP.Address)
			}
		}
	case *model.PublicIP:
		add(x.Address)
	case *model.Subnet:
		for _, p := range x.Prefixes {
			out = append(out, p.String())
		}
	}
	return out
}
