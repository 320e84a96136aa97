package render

import (
	"fmt"
	"io"
	"strings"

	"github.com/vnetdoctor/vnetdoctor/internal/trace"
)

// Trace writes a trace answer for people in plain text (TraceStyled with the zero Style).
func Trace(w io.Writer, a *trace.Answer) error { return TraceStyled(w, a, Style{}) }

// TraceStyled writes a trace answer for people: the verdict and its one reason on the top line,
// then per direction one line per hop and one line per step, each saying what happened there
// (the step's result, then its sentence); ">>" marks the step that decided the leg. Findings and
// assumptions close the answer. Lines wrap at Width.
func TraceStyled(w io.Writer, a *trace.Answer, st Style) error {
	var b strings.Builder
	head := fmt.Sprintf("%s: %s → %s %s%s — %s", a.Verdict, a.Query.From, a.Query.To, a.Query.Protocol,
		portText(a.Query.Protocol.String(), a.Query.DestinationPort), verdictReason(a))
	lines := wrap(head, "", "    ", Width)
	lines[0] = strings.Replace(lines[0], string(a.Verdict), st.paint(bold+verdictColor(a.Verdict), string(a.Verdict)), 1)
	b.WriteString(strings.Join(lines, "\n") + "\n")
	writeLeg(&b, "forward", a.Forward, st)
	if a.Return != nil {
		writeLeg(&b, "return", a.Return, st)
	} else {
		b.WriteString("\nreturn: not traced (the forward flow did not get there)\n")
	}
	if len(a.Findings) > 0 {
		b.WriteString("\nfindings:\n")
		for _, f := range a.Findings {
			b.WriteString(wrapped(fmt.Sprintf("%s %s: %s", f.Severity, f.Code, f.Message), "  ", "      "))
		}
	}
	if len(a.Assumptions) > 0 || len(a.Assumed) > 0 {
		b.WriteString("\nassumptions:\n")
		for _, s := range a.Assumptions {
			b.WriteString(wrapped(s, "  - ", "    "))
		}
		for _, x := range a.Assumed {
			effect := "the other value gives the same verdict"
			if x.Decided {
				effect = "the other value changes the verdict"
			}
			b.WriteString(wrapped(fmt.Sprintf("--assume %s=%s (a contested behaviour; cli.md --assume): %s", x.Name, x.Value, effect), "  - ", "    "))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func verdictColor(v trace.Verdict) string {
	switch v {
	case trace.Reachable:
		return green
	case trace.Unreachable:
		return red
	}
	return yellow
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

// arrived reports whether a leg got where it was going.
func arrived(l *trace.Leg) bool {
	switch l.Disposition {
	case trace.Delivered, trace.ExitedToInternet, trace.ExitedToOnPremises, trace.ExitedToAzureService:
		return true
	}
	return false
}

// verdictReason is the one reason for the verdict: the leg that failed and the step that
// decided it, or, when both legs arrived, why the verdict is still not Reachable. It never
// names two causes.
func verdictReason(a *trace.Answer) string {
	leg, dir := a.Forward, "forward"
	if arrived(a.Forward) && a.Return != nil && !arrived(a.Return) {
		leg, dir = a.Return, "reply"
	}
	if leg != nil && !arrived(leg) {
		s := dir + " " + string(leg.Disposition)
		if leg.DropCause != "" {
			s = dir + " " + string(leg.DropCause)
		}
		if hop, step := decidingIndex(leg); hop >= 0 {
			s += " at " + orDash(leg.Hops[hop].Name) + " by " + stepLabel(leg.Hops[hop].Steps[step])
		}
		return s
	}
	for _, f := range a.Findings {
		if f.Code == trace.CodeAsymmetricReturn {
			return "the reply comes back another way, around a stateful device the request crossed (AsymmetricReturn)"
		}
	}
	switch a.Verdict {
	case trace.Intermittent:
		return "only some firewall instance addresses are allowed"
	case trace.UnknownV:
		return "the answer depends on something the snapshot does not hold (see assumptions)"
	}
	where := map[trace.Disposition]string{trace.ExitedToInternet: "exits to the internet",
		trace.ExitedToOnPremises: "exits to on-premises", trace.ExitedToAzureService: "exits to the Azure service"}[a.Forward.Disposition]
	if where == "" {
		where = "delivered"
	}
	if a.Return != nil && arrived(a.Return) {
		return where + "; the reply returns"
	}
	return where
}

func writeLeg(b *strings.Builder, name string, l *trace.Leg, st Style) {
	head := fmt.Sprintf("%s: %s", name, l.Disposition)
	if l.DropCause != "" {
		head += " (" + string(l.DropCause) + ")"
	}
	if f := l.FlowAtDestination; f != nil {
		head += fmt.Sprintf(", arrives as %s → %s %s", endpointText(orDash(f.Source), f.SourcePort, f.Protocol),
			endpointText(f.Destination, f.DestinationPort, f.Protocol), f.Protocol)
	}
	b.WriteString("\n" + wrapped(head, "", "    "))
	hop, step := decidingIndex(l)
	for i, h := range l.Hops {
		b.WriteString(wrapped(hopLabel(h), "  ", "      "))
		for j, s := range h.Steps {
			mark := "    "
			if i == hop && j == step {
				mark = "  " + st.paint(bold, ">>")
			}
			word := resultWord(s)
			if i == hop && j == step && l.Disposition == trace.UnknownD {
				word = "unknown" // the step could not be decided from the snapshot
			}
			res := fmt.Sprintf("%-11s", word)
			lines := wrap(stepText(s), "      "+res+" ", strings.Repeat(" ", 18), Width)
			lines[0] = mark + "  " + st.paint(resultColor(s), res) + strings.TrimPrefix(lines[0], "      "+res)
			b.WriteString(strings.Join(lines, "\n") + "\n")
		}
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// hopLabel is "name (kind, VM vm) address".
func hopLabel(h *trace.Hop) string {
	s, kind := orDash(h.Name), kindWords(h.Kind)
	if h.VM != "" && h.VM != h.Name {
		kind += ", VM " + h.VM
	}
	if !strings.EqualFold(kind, h.Name) {
		s += " (" + kind + ")"
	}
	if h.Address != "" {
		s += " " + h.Address
	}
	return s
}

func kindWords(k trace.HopKind) string {
	switch k {
	case trace.HopNIC:
		return "NIC"
	case trace.HopPrivateEndpoint:
		return "private endpoint"
	case trace.HopLoadBalancer:
		return "load balancer"
	case trace.HopGatewayLB:
		return "gateway load balancer"
	case trace.HopNATGateway:
		return "NAT gateway"
	case trace.HopVNetGateway:
		return "virtual network gateway"
	case trace.HopOnPremises:
		return "on-premises"
	case trace.HopAzureService:
		return "Azure service"
	}
	return strings.ToLower(string(k))
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

// resultWord is what the step did, in a word or two.
func resultWord(s trace.Step) string {
	if s.Step == trace.StepDeliver {
		if s.Result == trace.Allowed {
			return "delivered"
		}
		return "not delivered"
	}
	if s.Result == trace.NoMatch {
		return "no match"
	}
	return strings.ToLower(string(s.Result))
}

func resultColor(s trace.Step) string {
	switch s.Result {
	case trace.Denied:
		return red
	case trace.Allowed:
		return green
	}
	return ""
}

// stepText is the step's own sentence, preceded by what the step is and its rule when the
// sentence does not name them.
func stepText(s trace.Step) string {
	label := stepLabel(s)
	switch {
	case s.Detail == "":
		return label
	case s.Rule != "" && !strings.Contains(s.Detail, s.Rule):
		return label + ": " + s.Detail
	case (s.Step == trace.StepSnat || s.Step == trace.StepDnat) && !strings.Contains(strings.ToUpper(s.Detail), label):
		return label + ": " + s.Detail
	}
	return s.Detail
}

// stepLabel names the step and its rule: "NSG nsg-db inbound securityRules/deny-sql",
// "route to-hub", "firewall network rule rcg/net/allow".
func stepLabel(s trace.Step) string {
	var what string
	switch s.Step {
	case trace.StepNsgInbound, trace.StepNsgOutbound:
		what = "NSG"
		if s.ResourceID != "" {
			what += " " + lastSegment(s.ResourceID)
		}
		what += map[trace.StepKind]string{trace.StepNsgInbound: " inbound", trace.StepNsgOutbound: " outbound"}[s.Step]
	case trace.StepAdminRule:
		what = "security admin rule"
	case trace.StepRoute:
		what = "route"
	case trace.StepFirewallDnat:
		what = "firewall DNAT rule"
	case trace.StepFirewallNet:
		what = "firewall network rule"
	case trace.StepFirewallApp:
		what = "firewall application rule"
	case trace.StepSnat:
		what = "SNAT"
	case trace.StepDnat:
		what = "DNAT"
	case trace.StepLBRule:
		what = "load balancer rule"
	case trace.StepDeliver:
		what = "delivery"
	default:
		what = strings.ToLower(string(s.Step))
	}
	if s.Rule != "" {
		what += " " + s.Rule
	}
	return what
}
