package compare

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/vnetdoctor/vnetdoctor/internal/azure"
	"github.com/vnetdoctor/vnetdoctor/internal/jsondoc"
)

// Kind says which of Azure's two answers a file holds.
type Kind uint8

const (
	KindUnknown Kind = iota
	KindRoutes       // effective routes
	KindNSGs         // effective network security groups
)

func (k Kind) String() string {
	return [...]string{"unknown", "effective routes", "effective security rules"}[k]
}

// Answer is one of Azure's answers for one NIC, as read from a file: the effective route
// table, or the effective network security groups.
type Answer struct {
	File   string
	Kind   Kind
	Routes []Route
	NSGs   []NSG
}

// Route is one effective route as Azure lists it. One row may hold several prefixes (a
// service endpoint's); the fields are as written, validated but not normalised.
// Shape: REST "Network Interfaces - Get Effective Route Table" (EffectiveRoute: source
// Unknown|User|VirtualNetworkGateway|Default, state Active|Invalid, addressPrefix[],
// nextHopIpAddress[], nextHopType), learn.microsoft.com/python/api/azure-mgmt-network/
// azure.mgmt.network.models.effectiveroute.
type Route struct {
	Source           string   `json:"source"`
	State            string   `json:"state"`
	AddressPrefix    []string `json:"addressPrefix"`
	NextHopType      string   `json:"nextHopType"`
	NextHopIPAddress []string `json:"nextHopIpAddress"`
	Name             string   `json:"name,omitempty"`
}

// NSG is one entry of the effective NSG list: an NSG (none for security admin rules), where it
// is associated, and its effective rules. Shape: REST "Network Interfaces - List Effective
// Network Security Groups" (EffectiveNetworkSecurityGroup: networkSecurityGroup, association
// {subnet, networkInterface, networkManager}, effectiveSecurityRules[], tagMap).
type NSG struct {
	NSGID          string
	Subnet         string // association.subnet.id
	NIC            string // association.networkInterface.id
	NetworkManager string // association.networkManager.id
	Rules          []Rule
}

// Rule is one effective security rule as written (EffectiveNetworkSecurityRule: protocol
// Tcp|Udp|All, port ranges "0-65535" or lists, prefixes with tags expanded in
// expanded*AddressPrefix), learn.microsoft.com/python/api/azure-mgmt-network/
// azure.mgmt.network.models.effectivenetworksecurityrule.
type Rule struct {
	Name, Protocol, Access, Direction string
	Priority                          int
	SourcePorts, DestPorts            []string // singular and plural fields together
	SourcePrefixes, DestPrefixes      []string
	ExpandedSource, ExpandedDest      []string
}

// ParseAnswer reads one of Azure's answers: the az CLI output ({"nextLink", "value": [...]}),
// the REST answer ({"value": [...]}), a bare array of rows, or an Azure REST API example
// ({"parameters", "responses": {"200": {"body": ...}}}). want is the kind the caller expects
// (KindUnknown: tell from the rows; an empty list is then an empty effective NSG list, since
// every subnet has default routes). Bad input is a *jsondoc.Error naming the JSON path.
func ParseAnswer(file string, data []byte, want Kind) (*Answer, error) {
	root, err := jsondoc.Parse(file, data)
	if err != nil {
		return nil, err
	}
	r := &reader{file: file}
	rows, at := r.rows(root, nil)
	if r.err != nil {
		return nil, r.err
	}
	kind := want
	if kind == KindUnknown {
		kind = kindOf(rows)
	}
	a := &Answer{File: file, Kind: kind}
	for i := range rows.Kids() {
		v, p := &rows.Kids()[i].Val, at.Index(i)
		if v.Kind != jsondoc.Object {
			r.fail(p, "want an object (one %s row), got %s", kind, v.Kind)
			break
		}
		if kind == KindRoutes {
			a.Routes = append(a.Routes, r.route(v, p))
		} else {
			a.NSGs = append(a.NSGs, r.nsg(v, p))
		}
	}
	if r.err != nil {
		return nil, r.err
	}
	return a, nil
}

// kindOf tells routes from NSG entries by the first row's members.
func kindOf(rows *jsondoc.Value) Kind {
	for _, m := range rows.Kids() {
		if m.Val.Get("addressprefix") != nil || m.Val.Get("nexthoptype") != nil {
			return KindRoutes
		}
		return KindNSGs
	}
	return KindNSGs
}

// reader decodes rows and keeps the first error, so decoders read straight through.
type reader struct {
	file string
	err  *jsondoc.Error
}

func (r *reader) fail(p *jsondoc.Path, format string, a ...any) {
	if r.err == nil {
		for i, x := range a {
			if s, ok := x.(string); ok {
				a[i] = jsondoc.Clip(s)
			}
		}
		r.err = &jsondoc.Error{File: r.file, Path: p.String(), Msg: fmt.Sprintf(format, a...)}
	}
}

// rows finds the list of rows in an answer and its path.
func (r *reader) rows(v *jsondoc.Value, p *jsondoc.Path) (*jsondoc.Value, *jsondoc.Path) {
	for depth := 0; depth < 4; depth++ {
		switch v.Kind {
		case jsondoc.Array:
			return v, p
		case jsondoc.Object:
			if m := member(v, "responses"); m != nil && m.Val.Kind == jsondoc.Object {
				v, p = restBody(&m.Val, p.Key(m.Raw))
				if v == nil {
					r.fail(p, "a REST API example without a 200 response body")
					return &jsondoc.Value{Kind: jsondoc.Array}, p
				}
				continue
			}
			if m := member(v, "value"); m != nil {
				if m.Val.Kind != jsondoc.Array {
					r.fail(p.Key(m.Raw), "want an array of rows, got %s", m.Val.Kind)
					return &jsondoc.Value{Kind: jsondoc.Array}, p
				}
				return &m.Val, p.Key(m.Raw)
			}
		}
		break
	}
	r.fail(p, "want Azure's effective routes or effective NSGs ({\"value\": [...]}), got %s", describe(v))
	return &jsondoc.Value{Kind: jsondoc.Array}, p
}

func describe(v *jsondoc.Value) string {
	if v.Kind == jsondoc.Object {
		keys := make([]string, 0, 3)
		for i, m := range v.Kids() {
			if i == 3 {
				keys = append(keys, "...")
				break
			}
			keys = append(keys, strconv.Quote(m.Raw))
		}
		return "an object with " + strings.Join(keys, ", ")
	}
	return v.Kind.String()
}

// restBody is the body of the 200 response of a REST API example.
func restBody(resp *jsondoc.Value, p *jsondoc.Path) (*jsondoc.Value, *jsondoc.Path) {
	for i := range resp.Kids() {
		k := &resp.Kids()[i]
		if k.Key == "200" {
			if b := member(&k.Val, "body"); b != nil {
				return &b.Val, p.Key(k.Raw).Key(b.Raw)
			}
		}
	}
	return nil, p
}

// member is the member key (lower case) of object v, the last one when it repeats.
func member(v *jsondoc.Value, key string) *jsondoc.Member {
	if v == nil || v.Kind != jsondoc.Object {
		return nil
	}
	for i := len(v.Kids()) - 1; i >= 0; i-- {
		if v.Kids()[i].Key == key {
			return &v.Kids()[i]
		}
	}
	return nil
}

// str reads an optional string member; null and absent are "".
func (r *reader) str(v *jsondoc.Value, p *jsondoc.Path, key string) string {
	m := member(v, key)
	if m == nil || m.Val.Kind == jsondoc.Null {
		return ""
	}
	if m.Val.Kind != jsondoc.String {
		r.fail(p.Key(m.Raw), "want a string, got %s", m.Val.Kind)
		return ""
	}
	return strings.TrimSpace(m.Val.Str())
}

// strs reads an optional array of strings (a lone string is taken as a list of one).
func (r *reader) strs(v *jsondoc.Value, p *jsondoc.Path, key string) []string {
	m := member(v, key)
	if m == nil || m.Val.Kind == jsondoc.Null {
		return nil
	}
	at := p.Key(m.Raw)
	switch m.Val.Kind {
	case jsondoc.String:
		return []string{strings.TrimSpace(m.Val.Str())}
	case jsondoc.Array:
		out := make([]string, 0, len(m.Val.Kids()))
		for i, k := range m.Val.Kids() {
			if k.Val.Kind != jsondoc.String {
				r.fail(at.Index(i), "want a string, got %s", k.Val.Kind)
				return nil
			}
			out = append(out, strings.TrimSpace(k.Val.Str()))
		}
		return out
	}
	r.fail(at, "want an array of strings, got %s", m.Val.Kind)
	return nil
}

// ref reads the id of an optional {"id": ...} member.
func (r *reader) ref(v *jsondoc.Value, p *jsondoc.Path, key string) string {
	m := member(v, key)
	if m == nil || m.Val.Kind == jsondoc.Null {
		return ""
	}
	if m.Val.Kind != jsondoc.Object {
		r.fail(p.Key(m.Raw), "want an object {\"id\": ...}, got %s", m.Val.Kind)
		return ""
	}
	return r.str(&m.Val, p.Key(m.Raw), "id")
}

// oneOf checks that s is one of the values (case-insensitively) and returns it as listed.
func (r *reader) oneOf(v *jsondoc.Value, p *jsondoc.Path, key string, values ...string) string {
	s := r.str(v, p, key)
	for _, w := range values {
		if strings.EqualFold(s, w) {
			return w
		}
	}
	at := p.Key(key)
	if m := member(v, key); m != nil {
		at = p.Key(m.Raw)
	}
	r.fail(at, "want one of %s, got %q", strings.Join(values, ", "), s)
	return s
}

func (r *reader) route(v *jsondoc.Value, p *jsondoc.Path) Route {
	rt := Route{
		Source:           r.oneOf(v, p, "source", "Default", "User", "VirtualNetworkGateway", "Unknown"),
		State:            r.oneOf(v, p, "state", "Active", "Invalid"),
		AddressPrefix:    r.strs(v, p, "addressprefix"),
		NextHopType:      r.str(v, p, "nexthoptype"),
		NextHopIPAddress: r.strs(v, p, "nexthopipaddress"),
		Name:             r.str(v, p, "name"),
	}
	if len(rt.AddressPrefix) == 0 {
		r.fail(p.Key("addressPrefix"), "want at least one address prefix")
	}
	for i, s := range rt.AddressPrefix {
		if _, ok := parsePrefix(s); !ok {
			r.fail(p.Key("addressPrefix").Index(i), "not an address prefix: %q", s)
		}
	}
	if rt.NextHopType == "" {
		r.fail(p.Key("nextHopType"), "missing next hop type")
	}
	for i, s := range rt.NextHopIPAddress {
		if _, err := netip.ParseAddr(s); err != nil && s != "" {
			r.fail(p.Key("nextHopIpAddress").Index(i), "not an IP address: %q", s)
		}
	}
	return rt
}

func (r *reader) nsg(v *jsondoc.Value, p *jsondoc.Path) NSG {
	n := NSG{NSGID: r.ref(v, p, "networksecuritygroup")}
	if m := member(v, "association"); m != nil && m.Val.Kind != jsondoc.Null {
		at := p.Key(m.Raw)
		if m.Val.Kind != jsondoc.Object {
			r.fail(at, "want an object, got %s", m.Val.Kind)
		}
		n.Subnet = r.ref(&m.Val, at, "subnet")
		n.NIC = r.ref(&m.Val, at, "networkinterface")
		n.NetworkManager = r.ref(&m.Val, at, "networkmanager")
	}
	m := member(v, "effectivesecurityrules")
	if m == nil || m.Val.Kind == jsondoc.Null {
		return n
	}
	at := p.Key(m.Raw)
	if m.Val.Kind != jsondoc.Array {
		r.fail(at, "want an array of rules, got %s", m.Val.Kind)
		return n
	}
	for i := range m.Val.Kids() {
		rv := &m.Val.Kids()[i].Val
		if rv.Kind != jsondoc.Object {
			r.fail(at.Index(i), "want a rule object, got %s", rv.Kind)
			return n
		}
		n.Rules = append(n.Rules, r.rule(rv, at.Index(i)))
	}
	return n
}

func (r *reader) rule(v *jsondoc.Value, p *jsondoc.Path) Rule {
	ru := Rule{
		Name:      r.str(v, p, "name"),
		Protocol:  r.str(v, p, "protocol"),
		Access:    r.oneOf(v, p, "access", "Allow", "Deny", "AlwaysAllow"),
		Direction: r.oneOf(v, p, "direction", "Inbound", "Outbound"),
		Priority:  r.priority(v, p),
	}
	if ru.Name == "" {
		r.fail(p.Key("name"), "missing rule name")
	}
	ru.SourcePorts = r.ports(v, p, "sourceportrange", "sourceportranges")
	ru.DestPorts = r.ports(v, p, "destinationportrange", "destinationportranges")
	ru.SourcePrefixes = r.addrs(v, p, "sourceaddressprefix", "sourceaddressprefixes")
	ru.DestPrefixes = r.addrs(v, p, "destinationaddressprefix", "destinationaddressprefixes")
	ru.ExpandedSource = r.prefixes(v, p, "expandedsourceaddressprefix")
	ru.ExpandedDest = r.prefixes(v, p, "expandeddestinationaddressprefix")
	return ru
}

func (r *reader) priority(v *jsondoc.Value, p *jsondoc.Path) int {
	m := member(v, "priority")
	if m == nil || m.Val.Kind != jsondoc.Number {
		r.fail(p.Key("priority"), "want a number")
		return 0
	}
	n, err := strconv.Atoi(m.Val.Str())
	if err != nil || n < 0 || n > 65535 {
		r.fail(p.Key(m.Raw), "want a priority from 0 to 65535, got %s", m.Val.Str())
	}
	return n
}

// both reads the singular and the plural field of a rule: the plural list when it has
// entries, else the singular value (Azure sets one or the other, az prints both).
func (r *reader) both(v *jsondoc.Value, p *jsondoc.Path, one, many string) ([]string, func(int) *jsondoc.Path) {
	if l := r.strs(v, p, many); len(l) > 0 {
		at := p.Key(member(v, many).Raw)
		return l, func(i int) *jsondoc.Path { return at.Index(i) }
	}
	if s := r.str(v, p, one); s != "" {
		at := p.Key(member(v, one).Raw)
		return []string{s}, func(int) *jsondoc.Path { return at }
	}
	return nil, nil
}

func (r *reader) ports(v *jsondoc.Value, p *jsondoc.Path, one, many string) []string {
	l, at := r.both(v, p, one, many)
	for i, s := range l {
		if _, ok := azure.ParsePortRange(s); !ok {
			r.fail(at(i), "not a port or port range: %q", s)
		}
	}
	return l
}

func (r *reader) addrs(v *jsondoc.Value, p *jsondoc.Path, one, many string) []string {
	l, _ := r.both(v, p, one, many)
	return l
}

func (r *reader) prefixes(v *jsondoc.Value, p *jsondoc.Path, key string) []string {
	l := r.strs(v, p, key)
	for i, s := range l {
		if _, ok := parsePrefix(s); !ok {
			r.fail(p.Key(key).Index(i), "not an address prefix: %q", s)
		}
	}
	return l
}
