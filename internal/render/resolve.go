package render

import (
	"fmt"
	"io"
	"net/netip"
	"strings"

	"github.com/vnetdoctor/vnetdoctor/internal/dns"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
	"github.com/vnetdoctor/vnetdoctor/internal/trace"
)

// Resolve writes a name resolution for people: the verdict and the answer in one line, the
// CNAME chain and the record that decided, then the servers asked in order and the network
// legs the queries need (">>" marks a leg that is not Reachable), then the assumptions.
func Resolve(w io.Writer, a *dns.Answer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s asks for %s → %s\n", a.Verdict, a.Query.From, a.Query.Name, answerText(a.Answer))
	for _, c := range a.Answer.CNAMEs {
		fmt.Fprintf(&b, "  CNAME %s\n", c)
	}
	if src := a.Answer.Source; src != "" {
		by := a.Answer.AnsweredBy
		if by == "" {
			by = "-"
		}
		fmt.Fprintf(&b, "  answered by %s: %s\n", by, src)
	}
	if a.Answer.Detail != "" {
		fmt.Fprintf(&b, "  %s\n", a.Answer.Detail)
	}
	writeServers(&b, a.Servers)
	writeDNSLegs(&b, a.Legs)
	if len(a.Assumptions) > 0 {
		b.WriteString("\nassumptions:\n")
		for _, s := range a.Assumptions {
			fmt.Fprintf(&b, "  - %s\n", s)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func answerText(r dns.Result) string {
	switch r.Status {
	case dns.Resolved:
		s := make([]string, len(r.Addresses))
		for i, a := range r.Addresses {
			s[i] = a.String()
		}
		return strings.Join(s, ", ")
	case dns.Public:
		return "public DNS (not modelled)"
	}
	return string(r.Status)
}

func writeServers(b *strings.Builder, servers []dns.Server) {
	b.WriteString("\nservers:\n")
	if len(servers) == 0 {
		b.WriteString("  (none)\n")
	}
	for i, s := range servers {
		name := s.Name
		if s.VNet != "" {
			name += " for VNet " + s.VNet
		}
		fmt.Fprintf(b, "  %d. %s %s %s (%s)\n", i+1, addrText(s.Address), s.Kind, name, s.Via)
		if s.Detail != "" {
			fmt.Fprintf(b, "     %s\n", s.Detail)
		}
	}
}

func addrText(a netip.Addr) string {
	if !a.IsValid() {
		return "-"
	}
	return a.String()
}

func writeDNSLegs(b *strings.Builder, legs []dns.Leg) {
	fmt.Fprintf(b, "\nnetwork legs (%s/53, traced both ways):\n", model.ProtoUDP)
	if len(legs) == 0 {
		b.WriteString("  (none)\n")
	}
	for _, l := range legs {
		mark := "  "
		if l.Verdict != trace.Reachable && l.Verdict != dns.NotTraced {
			mark = ">>"
		}
		fmt.Fprintf(b, "%s %s → %s: %s", mark, l.From, l.To, l.Verdict)
		if l.DropCause != "" {
			fmt.Fprintf(b, " (%s)", l.DropCause)
		}
		if d := l.Deciding; d != nil && d.Rule != "" {
			fmt.Fprintf(b, " by %s %s", d.Step, d.Rule)
			if d.ResourceID != "" {
				fmt.Fprintf(b, " in %s", model.ID(d.ResourceID).Name())
			}
		}
		b.WriteString("\n")
		if l.Detail != "" && (mark == ">>" || l.Verdict == dns.NotTraced) {
			fmt.Fprintf(b, "     %s\n", l.Detail)
		}
	}
}
