package flowlog

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// Epoch bounds of a plausible flow time: 2000-01-01 to 2100-01-01, in milliseconds.
const (
	minTimeMs = 946684800000
	maxTimeMs = 4102444800000
)

// parseTime reads a tuple's epoch time: below 1e11 it is seconds (NSG tuples, and the VNet
// overview's own example), otherwise milliseconds (logs.md §1). Out of range is an error.
func parseTime(s string) (int64, error) {
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("time %q is not an integer", s)
	}
	if v < 1e11 {
		v *= 1000
	}
	if v < minTimeMs || v > maxTimeMs {
		return 0, fmt.Errorf("time %q is outside 2000-2100 in seconds or milliseconds", s)
	}
	return v, nil
}

func parseIPv4(s, what string) (netip.Addr, error) {
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Addr{}, fmt.Errorf("%s %q is not an IP address", what, s)
	}
	if !a.Is4() {
		return netip.Addr{}, fmt.Errorf("%s %s is IPv6, which is not stored yet", what, s)
	}
	return a, nil
}

func parsePort(s, what string) (uint16, error) {
	if s == "" {
		return 0, nil
	}
	v, err := strconv.ParseUint(s, 10, 16)
	if err != nil {
		return 0, fmt.Errorf("%s %q is not a port", what, s)
	}
	return uint16(v), nil
}

func parseCounter(s string) (uint64, error) {
	if s == "" {
		return 0, nil // NSG v2 writes B,,,,
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("counter %q is not a non-negative integer", s)
	}
	return v, nil
}

// splitTuple cuts s at commas into f without allocating; n is the number of fields found
// (more than len(f) is reported as len(f)+1).
func splitTuple(s string, f []string) int {
	n := 0
	for {
		i := strings.IndexByte(s, ',')
		if n == len(f) {
			return n + 1
		}
		if i < 0 {
			f[n] = s
			return n + 1
		}
		f[n] = s[:i]
		s = s[i+1:]
		n++
	}
}

// parseV4Tuple fills r from a VNet flow log v4 tuple:
// time_ms,src,dst,sport,dport,proto,dir,state,enc,pkts_sd,bytes_sd,pkts_ds,bytes_ds.
func parseV4Tuple(s string, r *Record) error {
	var f [13]string
	if n := splitTuple(s, f[:]); n != 13 {
		if n > 13 {
			return fmt.Errorf("tuple has more than 13 fields, want 13 (flowLogVersion 4)")
		}
		return fmt.Errorf("tuple has %d fields, want 13 (flowLogVersion 4)", n)
	}
	var err error
	if r.TimeMs, err = parseTime(f[0]); err != nil {
		return err
	}
	if err = parseEnds(f[1:5], r); err != nil {
		return err
	}
	p, err := strconv.ParseUint(f[5], 10, 8)
	if err != nil {
		return fmt.Errorf("protocol %q is not an IANA protocol number", f[5])
	}
	r.Proto = uint8(p)
	if r.Direction, err = parseDirection(f[6]); err != nil {
		return err
	}
	switch f[7] {
	case "B", "C", "E":
		r.Decision = Allowed
	case "D":
		r.Decision = Denied
	default:
		return fmt.Errorf("flow state %q is not B, C, E or D", f[7])
	}
	r.State = f[7][0]
	if f[8] != "X" && f[8] != "NX" && !strings.HasPrefix(f[8], "NX_") {
		return fmt.Errorf("encryption %q is not X, NX or NX_*", f[8])
	}
	r.Encryption = encryption(f[8])
	return parseCounters(f[9:13], r)
}

// encryption returns a shared copy of the common values so records do not pin their JSON.
func encryption(s string) string {
	switch s {
	case "X":
		return "X"
	case "NX":
		return "NX"
	}
	return strings.Clone(s)
}

// parseNSGTuple fills r from an NSG flow log tuple: v1 ts_s,src,dst,sport,dport,proto(T|U),
// dir(I|O),decision(A|D); v2 adds state(B|C|E),pkts_sd,bytes_sd,pkts_ds,bytes_ds.
func parseNSGTuple(s string, version int, r *Record) error {
	want := 8
	if version == 2 {
		want = 13
	}
	var f [13]string
	if n := splitTuple(s, f[:want]); n != want {
		return fmt.Errorf("tuple has %d fields, want %d (NSG flow log version %d)", min(n, want+1), want, version)
	}
	var err error
	if r.TimeMs, err = parseTime(f[0]); err != nil {
		return err
	}
	if err = parseEnds(f[1:5], r); err != nil {
		return err
	}
	switch f[5] {
	case "T":
		r.Proto = ProtoTCP
	case "U":
		r.Proto = ProtoUDP
	default:
		return fmt.Errorf("protocol %q is not T or U", f[5])
	}
	if r.Direction, err = parseDirection(f[6]); err != nil {
		return err
	}
	switch f[7] {
	case "A":
		r.Decision = Allowed
	case "D":
		r.Decision = Denied
	default:
		return fmt.Errorf("decision %q is not A or D", f[7])
	}
	if version != 2 {
		return nil
	}
	switch f[8] {
	case "B", "C", "E":
		r.State = f[8][0]
	default:
		return fmt.Errorf("flow state %q is not B, C or E", f[8])
	}
	return parseCounters(f[9:13], r)
}

func parseEnds(f []string, r *Record) error {
	var err error
	if r.Src, err = parseIPv4(f[0], "source"); err != nil {
		return err
	}
	if r.Dst, err = parseIPv4(f[1], "destination"); err != nil {
		return err
	}
	if r.SrcPort, err = parsePort(f[2], "source port"); err != nil {
		return err
	}
	r.DstPort, err = parsePort(f[3], "destination port")
	return err
}

func parseDirection(s string) (byte, error) {
	if s != "I" && s != "O" {
		return 0, fmt.Errorf("direction %q is not I or O", s)
	}
	return s[0], nil
}

func parseCounters(f []string, r *Record) error {
	var err error
	for i, p := range []*uint64{&r.PktsSD, &r.BytesSD, &r.PktsDS, &r.BytesDS} {
		if *p, err = parseCounter(f[i]); err != nil {
			return err
		}
	}
	return nil
}

// normalizeMAC returns 12 upper-case hex digits (00-22-48-71-C2-05 and 00224871c205 alike),
// or "" when s is not a MAC address.
func normalizeMAC(s string) string {
	var b [12]byte
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '-' || c == ':':
			continue
		case c >= '0' && c <= '9', c >= 'A' && c <= 'F':
		case c >= 'a' && c <= 'f':
			c -= 'a' - 'A'
		default:
			return ""
		}
		if n == 12 {
			return ""
		}
		b[n] = c
		n++
	}
	if n != 12 {
		return ""
	}
	return string(b[:])
}
