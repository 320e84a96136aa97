package azure

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/vnetdoctor/vnetdoctor/internal/jsondoc"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// dec turns parsed JSON into wire objects. It keeps the first error and carries on, so
// decoders read straight through without checking after every field.
type dec struct {
	file string
	err  *InputError
}

// failAt records the first error. A string argument is a value from the input: it is
// quoted clipped and with secrets redacted (jsondoc.Clip), whatever field it came from.
func (d *dec) failAt(p *jsondoc.Path, format string, a ...any) {
	if d.err == nil {
		for i, x := range a {
			if s, ok := x.(string); ok {
				a[i] = jsondoc.Clip(s)
			}
		}
		d.err = &InputError{File: d.file, Path: p.String(), Msg: fmt.Sprintf(format, a...)}
	}
}

// src returns the provenance of the object at p.
func (d *dec) src(p *jsondoc.Path) Src { return Src{File: d.file, Path: p} }

// memberFn receives one member: its lower-case key, the member, and the path of the
// object that holds it.
type memberFn func(key string, m *jsondoc.Member, at *jsondoc.Path)

// each calls fn for every member of object v and of its "properties" bag. ARM nests a
// resource's settings under "properties"; az CLI flattens them into the object (cli.md):
// visiting both makes one decoder read both shapes.
func each(v *jsondoc.Value, p *jsondoc.Path, fn memberFn) {
	if v == nil || v.Kind != jsondoc.Object {
		return
	}
	for i := range v.Kids() {
		m := &v.Kids()[i]
		if m.Key == "properties" && m.Val.Kind == jsondoc.Object {
			pp := p.Key(m.Raw)
			for j := range m.Val.Kids() {
				fn(m.Val.Kids()[j].Key, &m.Val.Kids()[j], pp)
			}
			continue
		}
		fn(m.Key, m, p)
	}
}

// itemMembers calls fn for the members of each object of the array held by member m (and of its
// properties bag): items and each in one.
func (d *dec) itemMembers(m *jsondoc.Member, at *jsondoc.Path, fn memberFn) {
	d.items(m, at, func(v *jsondoc.Value, p *jsondoc.Path) { each(v, p, fn) })
}

// sub calls fn for the members of the object held by member m (and its properties bag).
func (d *dec) sub(m *jsondoc.Member, at *jsondoc.Path, fn memberFn) {
	switch m.Val.Kind {
	case jsondoc.Null:
	case jsondoc.Object:
		each(&m.Val, at.Key(m.Raw), fn)
	default:
		d.want(m, at, "an object")
	}
}

// items calls fn for every object in the array held by member m.
func (d *dec) items(m *jsondoc.Member, at *jsondoc.Path, fn func(v *jsondoc.Value, p *jsondoc.Path)) {
	switch m.Val.Kind {
	case jsondoc.Null:
		return
	case jsondoc.Array:
	default:
		d.want(m, at, "an array")
		return
	}
	ap := at.Key(m.Raw)
	for i := range m.Val.Kids() {
		it := &m.Val.Kids()[i].Val
		switch it.Kind {
		case jsondoc.Object:
			fn(it, ap.Index(i))
		case jsondoc.Null:
		default:
			d.failAt(ap.Index(i), "want an object, got %s", describe(it))
		}
	}
}

func describe(v *jsondoc.Value) string {
	switch v.Kind {
	case jsondoc.String:
		return "string " + strconv.Quote(jsondoc.Clip(v.Str()))
	case jsondoc.Number, jsondoc.Bool:
		return v.Kind.String() + " " + v.Str()
	case jsondoc.Array:
		return "an array"
	case jsondoc.Object:
		return "an object"
	}
	return "null"
}

func (d *dec) want(m *jsondoc.Member, at *jsondoc.Path, what string) {
	d.failAt(at.Key(m.Raw), "want %s, got %s", what, describe(&m.Val))
}

func (d *dec) str(m *jsondoc.Member, at *jsondoc.Path) string {
	switch m.Val.Kind {
	case jsondoc.String:
		return m.Val.Str()
	case jsondoc.Null:
		return ""
	}
	d.want(m, at, "a string")
	return ""
}

// strs reads an array of strings; a single string is taken as a list of one.
func (d *dec) strs(m *jsondoc.Member, at *jsondoc.Path) []string {
	switch m.Val.Kind {
	case jsondoc.Null:
		return nil
	case jsondoc.String:
		return []string{m.Val.Str()}
	case jsondoc.Array:
	default:
		d.want(m, at, "an array of strings")
		return nil
	}
	out := make([]string, 0, len(m.Val.Kids()))
	for i := range m.Val.Kids() {
		it := &m.Val.Kids()[i]
		switch it.Val.Kind {
		case jsondoc.String:
			out = append(out, it.Val.Str())
		case jsondoc.Null:
		default:
			d.failAt(at.Key(m.Raw).Index(i), "want a string, got %s", describe(&it.Val))
		}
	}
	return out
}

// integer reads a whole number in [lo, hi]; a string of digits is accepted because some
// Azure APIs quote numbers (firewall translatedPort).
func (d *dec) integer(m *jsondoc.Member, at *jsondoc.Path, lo, hi int) int {
	var s string
	switch m.Val.Kind {
	case jsondoc.Null:
		return 0
	case jsondoc.Number:
		s = m.Val.Str()
	case jsondoc.String:
		s = strings.TrimSpace(m.Val.Str())
	default:
		d.want(m, at, "a number")
		return 0
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		if f, ferr := strconv.ParseFloat(s, 64); ferr == nil && f == float64(int(f)) && m.Val.Kind == jsondoc.Number {
			n, err = int(f), nil
		}
	}
	if err != nil {
		d.want(m, at, "a number")
		return 0
	}
	if n < lo || n > hi {
		d.failAt(at.Key(m.Raw), "%d is out of range [%d, %d]", n, lo, hi)
		return 0
	}
	return n
}

// boolean reads true/false; the strings "True"/"False" are accepted (some APIs quote them).
func (d *dec) boolean(m *jsondoc.Member, at *jsondoc.Path) bool {
	switch m.Val.Kind {
	case jsondoc.Null:
		return false
	case jsondoc.Bool:
		return m.Val.Str() == "true"
	case jsondoc.String:
		switch strings.ToLower(strings.TrimSpace(m.Val.Str())) {
		case "true":
			return true
		case "false", "":
			return false
		}
	}
	d.want(m, at, "true or false")
	return false
}

func (d *dec) optBool(m *jsondoc.Member, at *jsondoc.Path) *bool {
	if m.Val.Kind == jsondoc.Null {
		return nil
	}
	b := d.boolean(m, at)
	return &b
}

// ref reads a reference: {"id": "..."} or, as some APIs write it, the ID string itself.
func (d *dec) ref(m *jsondoc.Member, at *jsondoc.Path) string {
	return d.refValue(&m.Val, at, m.Raw, -1)
}

// refValue reads the reference held in v, member key (idx < 0) or item idx of the value at.
func (d *dec) refValue(v *jsondoc.Value, at *jsondoc.Path, key string, idx int) string {
	switch v.Kind {
	case jsondoc.Null:
		return ""
	case jsondoc.String:
		return v.Str()
	case jsondoc.Object:
		id := v.Get("id")
		if id == nil {
			return ""
		}
		if id.Kind != jsondoc.String && id.Kind != jsondoc.Null {
			d.failAt(step(at, key, idx).Key("id"), "want a string, got %s", describe(id))
		}
		return id.Text()
	}
	d.failAt(step(at, key, idx), "want a reference {\"id\": ...}, got %s", describe(v))
	return ""
}

func step(at *jsondoc.Path, key string, idx int) *jsondoc.Path {
	if idx >= 0 {
		return at.Index(idx)
	}
	return at.Key(key)
}

// refs reads an array of references.
func (d *dec) refs(m *jsondoc.Member, at *jsondoc.Path) []string {
	switch m.Val.Kind {
	case jsondoc.Null:
		return nil
	case jsondoc.Array:
	default:
		d.want(m, at, "an array of references")
		return nil
	}
	ap := at.Key(m.Raw)
	out := make([]string, 0, len(m.Val.Kids()))
	for i := range m.Val.Kids() {
		if id := d.refValue(&m.Val.Kids()[i].Val, ap, "", i); id != "" {
			out = append(out, id)
		}
	}
	return out
}

// prefix reads a CIDR prefix ("10.0.0.0/16"), masked to its network address.
func (d *dec) prefix(m *jsondoc.Member, at *jsondoc.Path) netip.Prefix {
	s := d.str(m, at)
	if s == "" {
		return netip.Prefix{}
	}
	p, err := netip.ParsePrefix(strings.TrimSpace(s))
	if err != nil {
		d.failAt(at.Key(m.Raw), "invalid prefix %q", s)
		return netip.Prefix{}
	}
	return p.Masked()
}

// prefixes reads an array of CIDR prefixes.
func (d *dec) prefixes(m *jsondoc.Member, at *jsondoc.Path) []netip.Prefix {
	ss := d.strs(m, at)
	out := make([]netip.Prefix, 0, len(ss))
	for i, s := range ss {
		p, err := netip.ParsePrefix(strings.TrimSpace(s))
		if err != nil {
			d.failAt(at.Key(m.Raw).Index(i), "invalid prefix %q", s)
			continue
		}
		out = append(out, p.Masked())
	}
	return out
}

// addr reads an IP address; "172.20.2.16/28" (a NIC ip configuration holding a prefix)
// yields its address.
func (d *dec) addr(m *jsondoc.Member, at *jsondoc.Path) netip.Addr {
	s := d.str(m, at)
	if s == "" {
		return netip.Addr{}
	}
	a, ok := parseAddr(s)
	if !ok {
		d.failAt(at.Key(m.Raw), "invalid IP address %q", s)
	}
	return a
}

func parseAddr(s string) (netip.Addr, bool) {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '/'); i >= 0 {
		p, err := netip.ParsePrefix(s)
		return p.Addr(), err == nil
	}
	a, err := netip.ParseAddr(s)
	return a, err == nil
}

// addrs reads an array of IP addresses (a comma-separated string is split, as the
// classic firewall's additionalProperties and BGP peering addresses write them).
func (d *dec) addrs(m *jsondoc.Member, at *jsondoc.Path) []netip.Addr {
	return d.addrList(m, at, parseAddr, "invalid IP address %q")
}

// addrList reads addresses from a string or an array of (comma-separated) strings with
// parse, reporting the first unparsable entry with msg at its JSON path.
func (d *dec) addrList(m *jsondoc.Member, at *jsondoc.Path, parse func(string) (netip.Addr, bool), msg string) []netip.Addr {
	var out []netip.Addr
	for i, s := range d.strs(m, at) {
		for _, f := range splitList(s) {
			a, ok := parse(f)
			if !ok {
				d.failAt(strPath(m, at, i), msg, f)
				continue
			}
			out = append(out, a)
		}
	}
	return out
}

// dnsServers reads a DNS server list: addresses, or "AzureProvidedDNS" for Azure DNS
// (model.AzurePlatformIP, spec §8), which a NIC's dnsSettings.dnsServers may name as the single
// value "AzureProvidedDNS" (NetworkInterfaceDnsSettings, Azure REST API).
func (d *dec) dnsServers(m *jsondoc.Member, at *jsondoc.Path) []netip.Addr {
	return d.addrList(m, at, func(f string) (netip.Addr, bool) {
		if strings.EqualFold(strings.TrimSpace(f), "AzureProvidedDNS") {
			return model.AzurePlatformIP, true
		}
		return parseAddr(f)
	}, "invalid DNS server %q (an IP address or AzureProvidedDNS)")
}

// strPath is where the i-th value d.strs read from m stands: the array element, or m itself
// when it held a single (perhaps comma-separated) string.
func strPath(m *jsondoc.Member, at *jsondoc.Path, i int) *jsondoc.Path {
	p := at.Key(m.Raw)
	if m.Val.Kind == jsondoc.Array {
		return p.Index(i)
	}
	return p
}

func splitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == ';' })
}

// ports reads port ranges: "*", "80", "1000-2000", from a string or an array of them.
func (d *dec) ports(m *jsondoc.Member, at *jsondoc.Path) []model.PortRange {
	var out []model.PortRange
	for i, s := range d.strs(m, at) {
		if strings.TrimSpace(s) == "" {
			continue
		}
		r, ok := ParsePortRange(s)
		if !ok {
			d.failAt(strPath(m, at, i), "invalid port range %q", s)
			continue
		}
		out = append(out, r)
	}
	return out
}

// ParsePortRange reads "*", "N" or "A-B" (0-65535, A <= B).
func ParsePortRange(s string) (model.PortRange, bool) {
	s = strings.TrimSpace(s)
	if s == "*" || strings.EqualFold(s, "any") {
		return model.AllPorts, true
	}
	lo, hi, isRange := strings.Cut(s, "-")
	a, err1 := strconv.ParseUint(strings.TrimSpace(lo), 10, 16)
	b := a
	var err2 error
	if isRange {
		b, err2 = strconv.ParseUint(strings.TrimSpace(hi), 10, 16)
	}
	if err1 != nil || err2 != nil || a > b {
		return model.PortRange{}, false
	}
	return model.PortRange{Lo: uint16(a), Hi: uint16(b)}, true
}

// addressish reports whether s must be an IP, CIDR or range rather than a tag name or "*".
func addressish(s string) bool {
	if s == "" {
		return false
	}
	c := s[0]
	return c >= '0' && c <= '9' || strings.IndexByte(s, ':') >= 0
}

// ValidAddress reports whether s is an IP, a CIDR prefix or an "a-b" IP range.
func ValidAddress(s string) bool {
	if _, ok := parseAddr(s); ok {
		return true
	}
	lo, hi, ok := strings.Cut(s, "-")
	if !ok {
		return false
	}
	a, err1 := netip.ParseAddr(strings.TrimSpace(lo))
	b, err2 := netip.ParseAddr(strings.TrimSpace(hi))
	return err1 == nil && err2 == nil && a.BitLen() == b.BitLen() && !b.Less(a)
}

// addresses reads rule addresses: "*", IPs, CIDRs, ranges or service tag names. Values
// that start like an address must parse as one.
func (d *dec) addresses(m *jsondoc.Member, at *jsondoc.Path) []string {
	ss := d.strs(m, at)
	out := ss[:0]
	for i, s := range ss {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if addressish(s) && !ValidAddress(s) {
			d.failAt(strPath(m, at, i), "invalid address %q", s)
			continue
		}
		out = append(out, s)
	}
	return out
}

func (d *dec) protocol(m *jsondoc.Member, at *jsondoc.Path) model.Protocol {
	s := d.str(m, at)
	if s == "" {
		return model.ProtoAny
	}
	p, ok := model.ParseProtocol(s)
	if !ok {
		d.failAt(at.Key(m.Raw), "unknown protocol %q", s)
	}
	return p
}

func (d *dec) direction(m *jsondoc.Member, at *jsondoc.Path) model.Direction {
	switch s := d.str(m, at); strings.ToLower(s) {
	case "inbound", "":
		return model.Inbound
	case "outbound":
		return model.Outbound
	default:
		d.failAt(at.Key(m.Raw), "unknown direction %q (want Inbound or Outbound)", s)
	}
	return model.Inbound
}

func (d *dec) access(m *jsondoc.Member, at *jsondoc.Path) model.Access {
	switch s := d.str(m, at); strings.ToLower(s) {
	case "allow", "":
		return model.Allow
	case "deny":
		return model.Deny
	case "alwaysallow":
		return model.AlwaysAllow
	default:
		d.failAt(at.Key(m.Raw), "unknown access %q (want Allow, Deny or AlwaysAllow)", s)
	}
	return model.Allow
}

// tags reads a tags object (string values).
func (d *dec) tags(m *jsondoc.Member, at *jsondoc.Path) map[string]string {
	if m.Val.Kind == jsondoc.Null {
		return nil
	}
	if m.Val.Kind != jsondoc.Object {
		d.want(m, at, "an object")
		return nil
	}
	out := make(map[string]string, len(m.Val.Kids()))
	p := at.Key(m.Raw)
	for i := range m.Val.Kids() {
		t := &m.Val.Kids()[i]
		out[t.Raw] = d.str(t, p) // tag keys keep their case (spec §5: disableSnatOnPL)
	}
	return out
}
