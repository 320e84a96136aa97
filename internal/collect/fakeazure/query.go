package fakeazure

import (
	"fmt"
	"regexp"
	"strings"
)

// query is the subset of KQL the fake understands: a table, `where type in~ (...)` /
// `where type =~ '...'` / `where id in~ (...)`, `project columns` and `order by id asc`
// (the fake always orders by id). Anything else is refused as Resource Graph refuses a bad
// query (400 BadRequest), so a collector cannot rely on something the fake ignores.
type query struct {
	table   string
	types   map[string]bool // nil: any
	ids     map[string]bool // nil: any
	columns []string        // nil: every column
}

var (
	reTable   = regexp.MustCompile(`^\s*([A-Za-z]+)\s*$`)
	reTypeIn  = regexp.MustCompile(`^\s*where\s+type\s+in~\s*\((.*)\)\s*$`)
	reTypeEq  = regexp.MustCompile(`^\s*where\s+type\s*=~\s*'([^']*)'\s*$`)
	reIDIn    = regexp.MustCompile(`^\s*where\s+id\s+in~\s*\((.*)\)\s*$`)
	reProject = regexp.MustCompile(`^\s*project\s+(.*)$`)
	reOrder   = regexp.MustCompile(`^\s*order\s+by\s+id\s+asc\s*$`)
	reQuoted  = regexp.MustCompile(`'([^']*)'`)
)

var tables = map[string]bool{"resources": true, "networkresources": true, "dnsresources": true}

func parseQuery(q string) (*query, error) {
	parts := strings.Split(q, "|")
	m := reTable.FindStringSubmatch(parts[0])
	if m == nil || !tables[strings.ToLower(m[1])] {
		return nil, fmt.Errorf("unknown table in %q", strings.TrimSpace(parts[0]))
	}
	out := &query{table: strings.ToLower(m[1])}
	for _, p := range parts[1:] {
		switch {
		case reTypeIn.MatchString(p):
			out.types = quoted(reTypeIn.FindStringSubmatch(p)[1])
		case reTypeEq.MatchString(p):
			out.types = map[string]bool{strings.ToLower(reTypeEq.FindStringSubmatch(p)[1]): true}
		case reIDIn.MatchString(p):
			out.ids = quoted(reIDIn.FindStringSubmatch(p)[1])
		case reProject.MatchString(p):
			for _, c := range strings.Split(reProject.FindStringSubmatch(p)[1], ",") {
				out.columns = append(out.columns, strings.TrimSpace(c))
			}
		case reOrder.MatchString(p):
		default:
			return nil, fmt.Errorf("operator not supported by the fake: %q", strings.TrimSpace(p))
		}
	}
	return out, nil
}

func quoted(s string) map[string]bool {
	out := map[string]bool{}
	for _, m := range reQuoted.FindAllStringSubmatch(s, -1) {
		out[strings.ToLower(m[1])] = true
	}
	return out
}

func (q *query) match(r *row) bool {
	return (q.types == nil || q.types[r.typ]) && (q.ids == nil || q.ids[r.id])
}
