package trace

import (
	"strings"
	"testing"

	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// An application rule that names an FQDN tag, whose FQDNs the snapshot does not list, leaves the
// verdict open: "denied unless NAME is in FQDN tag X" (Unknown), or, under --assume
// fqdn-tag=nomatch, a tag that matches nothing, so the firewall's default deny decides.
func TestFQDNTagRule(t *testing.T) {
	tagged := fwHub(func(_ *hubSpoke, fw *model.Firewall) {
		fw.Classic = []*model.RuleCollection{{Name: "apps", Priority: 100, Kind: model.ApplicationRules, Action: model.FwAllow,
			Rules: []*model.FirewallRule{{Name: "updates", Sources: []string{"10.1.0.0/16"},
				AppProtocols: []model.AppProtocol{{Type: "Https", Port: 443}}, FQDNTags: []string{"WindowsUpdate"}}}}}
	})
	for _, tt := range []struct {
		assume      string
		verdict     Verdict
		cause       DropCause
		wantStep    string
		wantDecided bool
	}{
		{"", UnknownV, InsufficientInformation, "denied unless download.windowsupdate.com is in FQDN tag or web category WindowsUpdate", true},
		{"fqdn-tag=nomatch", Unreachable, FirewallDenied, "", true},
	} {
		q := Query{From: "vm1", To: "internet:93.184.216.34", Protocol: tcp, DestinationPort: 443, FQDN: "download.windowsupdate.com"}
		if tt.assume != "" {
			if err := q.Assume.Parse(tt.assume); err != nil {
				t.Fatal(err)
			}
		}
		a, err := Run(tagged().plane(), q)
		if err != nil {
			t.Fatal(err)
		}
		if a.Verdict != tt.verdict || a.Forward.DropCause != tt.cause {
			t.Errorf("%q: %s %s, want %s %s (%s)", tt.assume, a.Verdict, a.Forward.DropCause, tt.verdict, tt.cause, legSummary(a.Forward))
		}
		if tt.wantStep != "" && !strings.Contains(stepDetails(a.Forward), tt.wantStep) {
			t.Errorf("%q: no step saying %q in\n%s", tt.assume, tt.wantStep, stepDetails(a.Forward))
		}
		if len(a.Assumed) != 1 || a.Assumed[0].Name != "fqdn-tag" || a.Assumed[0].Decided != tt.wantDecided {
			t.Errorf("%q: assumed %+v, want fqdn-tag decided=%v", tt.assume, a.Assumed, tt.wantDecided)
		}
	}
}

func stepDetails(l *Leg) string {
	var b strings.Builder
	for _, h := range l.Hops {
		for _, s := range h.Steps {
			b.WriteString(s.Detail + "\n")
		}
	}
	return b.String()
}
