package render

import (
	"fmt"
	"io"
	"strings"

	"github.com/vnetdoctor/vnetdoctor/internal/trace"
)

// Trace writes a trace answer for people: the verdict in one line, then one line per hop and
// direction saying what happened there; ">>" marks the hop whose step decided the leg, and that
// step's reason follows it. Findings and assumptions close the answer.
func Trace(w io.Writer, a *trace.Answer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s → %s %s%s — %s\n", a.Verdict, a.Query.From, a.Query.To, a.Query.Protocol, portText(a.Query.Protocol.String(), a.Query.DestinationPort),
		verdictReason(a))
	writeLeg(&b, "forward", a.Forward)
	if a.Return != nil {
		writeLeg(&b, "return", a.Return)
	} else {
		b.WriteString("\nreturn: not traced (the forward flow did not get there)\n")
	}
	if len(a.Findings) > 0 {
		b.WriteString("\nfindings:\n")
		for _, f := range a.Findings {
			fmt.Fprintf(&b, "  %s %s: %s\n", f.Severity, f.Code, f.Message)
		}
	}
	if len(a.Assumptions) > 0 || len(a.Assumed) > 0 {
		b.WriteString("\nassumptions:\n")
		for _, s := range a.Assumptions {
			fmt.Fprintf(&b, "  - %s\n", s)
		}
		for _, x := range a.Assumed {
			effect := "the other value gives the same verdict"
			if x.Decided {
				effect = "the other value changes the verdict"
			}
			fmt.Fprintf(&b, "  - --assume %s=%s (a contested behaviour; cli.md --assume): %s\n", x.Name, x.Value, effect)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// portText is "/443" for a TCP or UDP port; ICMP, ESP and AH have no ports, so none is printed
// (their JSON port fields are kept by the contract but mean nothing).
func portText(proto string, p uint16) string {
	if p == 0 || !hasPorts(proto) {
		return ""
	}
	return fmt.Sprintf("/%d", p)
}

func hasPorts(proto string) bool { return proto == "Tcp" || proto == "Udp" }

// endpointText is "addr:port", or the bare address for a protocol without ports.
func endpointText(addr string, port uint16, proto string) string {
	if !hasPorts(proto) {
		return addr
	}
	return fmt.Sprintf("%s:%d", addr, port)
}

// verdictReason says in a few words why the verdict is what it is.
func verdictReason(a *trace.Answer) string {
	leg, dir := a.Forward, "forward"
	if a.Forward.Disposition != trace.Dropped && a.Return != nil && a.Return.Disposition == trace.Dropped {
		leg, dir = a.Return, "reply"
	}
	s := dir + " " + string(leg.Disposition)
	if leg.DropCause != "" {
		s += " (" + string(leg.DropCause) + ")"
	}
	if leg.Deciding != nil && leg.Deciding.Rule != "" {
		s += " by " + string(leg.Deciding.Step) + " " + leg.Deciding.Rule
	}
	for _, f := range a.Findings {
		if f.Code == trace.CodeAsymmetricReturn {
			s += "; the reply takes another path (AsymmetricReturn)"
		}
	}
	if a.Verdict == trace.Intermittent {
		s += "; only some firewall instance addresses are allowed"
	}
	return s
}

func writeLeg(b *strings.Builder, name string, l *trace.Leg) {
	fmt.Fprintf(b, "\n%s: %s", name, l.Disposition)
	if l.DropCause != "" {
		fmt.Fprintf(b, ", cause %s", l.DropCause)
	}
	if f := l.FlowAtDestination; f != nil {
		fmt.Fprintf(b, ", arrives as %s → %s %s", endpointText(orDash(f.Source), f.SourcePort, f.Protocol),
			endpointText(f.Destination, f.DestinationPort, f.Protocol), f.Protocol)
	}
	b.WriteString("\n")
	hop, step := decidingIndex(l)
	for i, h := range l.Hops {
		mark := "    "
		if i == hop {
			mark = " >> "
		}
		fmt.Fprintf(b, "%s%-21s %s: %s", mark, string(h.Kind), hopLabel(h), stepsText(h.Steps))
		if i == hop && step >= 0 && h.Steps[step].Detail != "" {
			fmt.Fprintf(b, " — %s", h.Steps[step].Detail)
		}
		b.WriteString("\n")
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func hopLabel(h *trace.Hop) string {
	s := h.Name
	if s == "" {
		s = "-"
	}
	if h.VM != "" && h.VM != h.Name {
		s += " (vm " + h.VM + ")"
	}
	if h.Address != "" {
		s += " " + h.Address
	}
	return s
}

// decidingIndex finds the last step matching the leg's deciding step, -1 when none.
func decidingIndex(l *trace.Leg) (hop, step int) {
	d := l.Deciding
	if d == nil {
		return -1, -1
	}
	for i := len(l.Hops) - 1; i >= 0; i-- {
		for j := len(l.Hops[i].Steps) - 1; j >= 0; j-- {
			s := l.Hops[i].Steps[j]
			if s.Step == d.Step && s.Rule == d.Rule && s.ResourceID == d.ResourceID {
				return i, j
			}
		}
	}
	return -1, -1
}

// stepsText summarises a hop's steps on one line: translations in full, the rest as
// "<step> <rule> <result>".
func stepsText(steps []trace.Step) string {
	if len(steps) == 0 {
		return "-"
	}
	parts := make([]string, 0, len(steps))
	for _, s := range steps {
		switch {
		case s.Result == trace.Translated:
			parts = append(parts, string(s.Step)+" "+s.Detail)
		case s.Step == trace.StepDeliver:
			parts = append(parts, deliverWord(s))
		case s.Rule != "":
			parts = append(parts, fmt.Sprintf("%s %s %s", stepName(s), s.Rule, strings.ToLower(string(s.Result))))
		default:
			parts = append(parts, fmt.Sprintf("%s %s", stepName(s), strings.ToLower(string(s.Result))))
		}
	}
	return strings.Join(parts, "; ")
}

// stepName is the step kind, followed for NSG steps by the NSG's name: a NIC's subnet and NIC
// NSGs are two steps of the same kind, and the reader needs to tell them apart.
func stepName(s trace.Step) string {
	if (s.Step == trace.StepNsgInbound || s.Step == trace.StepNsgOutbound) && s.ResourceID != "" {
		return string(s.Step) + " " + lastSegment(s.ResourceID)
	}
	return string(s.Step)
}

func deliverWord(s trace.Step) string {
	if s.Result == trace.Allowed {
		return "delivered"
	}
	return "not delivered"
}
