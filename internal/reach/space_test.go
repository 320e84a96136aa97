package reach

import (
	"fmt"
	"testing"
)

func TestCIDRs(t *testing.T) {
	tests := []struct{ lo, hi, want string }{
		{"10.0.0.0", "10.0.0.255", "[10.0.0.0/24]"},
		{"10.0.0.4", "10.0.0.4", "[10.0.0.4/32]"},
		{"10.0.0.1", "10.0.0.6", "[10.0.0.1/32 10.0.0.2/31 10.0.0.4/31 10.0.0.6/32]"},
		{"0.0.0.0", "255.255.255.255", "[0.0.0.0/0]"},
		{"203.0.113.16", "203.0.113.21", "[203.0.113.16/30 203.0.113.20/31]"},
	}
	for _, tt := range tests {
		if got := fmt.Sprint(cidrs(u32(ip(tt.lo)), u32(ip(tt.hi)))); got != tt.want {
			t.Errorf("cidrs(%s, %s) = %s, want %s", tt.lo, tt.hi, got, tt.want)
		}
	}
}

func TestPorts(t *testing.T) {
	tests := []struct{ in, want string }{
		{"22", "22"}, {"3389,22", "22,3389"}, {"80-443,443-500,501", "80-501"}, {"0-65535", "0-65535"},
	}
	for _, tt := range tests {
		rs, err := ParsePorts(tt.in)
		if got := PortsString(rs); err != nil || got != tt.want {
			t.Errorf("ParsePorts(%q) = %s, %v; want %s", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "x", "70000", "5-3", "1-"} {
		if _, err := ParsePorts(bad); err == nil {
			t.Errorf("ParsePorts(%q): no error", bad)
		}
	}
}

func TestClassesWithin(t *testing.T) {
	c := newCuts(1 << 16)
	c.span(22, 22)
	c.span(440, 445)
	got := fmt.Sprint(classesWithin(c.sorted(), 20, 441))
	if want := "[[20 21] [22 22] [23 439] [440 441]]"; got != want {
		t.Errorf("classes %s, want %s", got, want)
	}
}

// TestRank: an address's range among bounds counts the bounds at or below it, up to the last
// address (where v+1 would wrap).
func TestRank(t *testing.T) {
	bounds := []uint32{0, 10, 0xffffffff}
	for _, c := range []struct {
		v    uint32
		want int32
	}{{0, 1}, {9, 1}, {10, 2}, {11, 2}, {0xfffffffe, 2}, {0xffffffff, 3}} {
		if got := rank(bounds, c.v); got != c.want {
			t.Errorf("rank(%d) = %d, want %d", c.v, got, c.want)
		}
	}
	if got := rank(nil, 5); got != 0 {
		t.Errorf("rank with no bounds = %d, want 0", got)
	}
}
