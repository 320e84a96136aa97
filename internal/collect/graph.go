package collect

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// graphAPI is the Resource Graph query API version (Microsoft.ResourceGraph/resources).
const graphAPI = "2024-04-01"

// scope is where a query runs: a batch of subscriptions or one management group.
type scope struct {
	subs []string
	mg   string
}

func (s scope) String() string {
	if s.mg != "" {
		return "/providers/Microsoft.Management/managementGroups/" + s.mg
	}
	if len(s.subs) == 1 {
		return "/subscriptions/" + s.subs[0]
	}
	return fmt.Sprintf("%d subscriptions (%s ... %s)", len(s.subs), s.subs[0], s.subs[len(s.subs)-1])
}

// graphRequest is the body of POST /providers/Microsoft.ResourceGraph/resources.
type graphRequest struct {
	Subscriptions    []string     `json:"subscriptions,omitempty"`
	ManagementGroups []string     `json:"managementGroups,omitempty"`
	Query            string       `json:"query"`
	Options          graphOptions `json:"options"`
}

type graphOptions struct {
	Top                int    `json:"$top,omitempty"`
	SkipToken          string `json:"$skipToken,omitempty"`
	ResultFormat       string `json:"resultFormat"`
	AllowPartialScopes bool   `json:"allowPartialScopes,omitempty"`
}

// graphPage is the part of a query answer paging needs; rows stay raw bytes.
type graphPage struct {
	TotalRecords int64             `json:"totalRecords"`
	Count        int64             `json:"count"`
	Data         []json.RawMessage `json:"data"`
	SkipToken    string            `json:"$skipToken"`
	Truncated    any               `json:"resultTruncated"`
}

// decodePage reads an answer in resultFormat objectArray (asked for) or, from a service
// that answers in the older table format ({"columns": [{"name"}], "rows": [[...]]}), builds
// the same objects from it.
func decodePage(b []byte) (*graphPage, error) {
	var p graphPage
	err := json.Unmarshal(b, &p)
	var te *json.UnmarshalTypeError
	if err == nil || !errors.As(err, &te) {
		return &p, err
	}
	var t struct {
		graphPage
		Data struct {
			Columns []struct {
				Name string `json:"name"`
			} `json:"columns"`
			Rows [][]json.RawMessage `json:"rows"`
		} `json:"data"`
	}
	if err := json.Unmarshal(b, &t); err != nil {
		return nil, err
	}
	p = t.graphPage
	p.Data = nil
	for i, r := range t.Data.Rows {
		if len(r) != len(t.Data.Columns) {
			return nil, fmt.Errorf("$.data.rows[%d]: %d values for %d columns", i, len(r), len(t.Data.Columns))
		}
		var row bytes.Buffer
		row.WriteByte('{')
		for j, c := range t.Data.Columns {
			if j > 0 {
				row.WriteByte(',')
			}
			k, _ := json.Marshal(c.Name)
			row.Write(k)
			row.WriteByte(':')
			row.Write(r[j])
		}
		row.WriteByte('}')
		p.Data = append(p.Data, row.Bytes())
	}
	return &p, nil
}

// errForbidden is a 403 on a whole batch: the caller splits it.
type errForbidden struct{ err error }

func (e errForbidden) Error() string { return e.err.Error() }
func (e errForbidden) Unwrap() error { return e.err }

// stream pages one query over one scope and hands every page to sink. A page that is too
// large is asked for again with half the rows; a page whose answer was cut is asked for again
// (a query is read-only; azcore retries only GET, PUT and DELETE bodies). A 403 is returned
// as errForbidden before or after pages were handed over: the caller undoes and splits.
func (r *run) stream(ctx context.Context, sc scope, query string, top int, sink func(p *graphPage, raw int) error) error {
	skip := ""
	var seenBytes, seenRows int64
	for page := 0; ; page++ {
		p, n, err := r.page(ctx, sc, query, &top, skip)
		if err != nil {
			return err
		}
		seenBytes += int64(n)
		seenRows += int64(len(p.Data))
		if err := sink(p, n); err != nil {
			return err
		}
		if p.SkipToken == "" {
			return nil
		}
		skip = p.SkipToken
		top = nextTop(r.opt.PageBytes, seenBytes, seenRows, top)
	}
}

// page fetches one page, halving *top on ResponsePayloadTooLarge and re-asking a cut answer.
func (r *run) page(ctx context.Context, sc scope, query string, top *int, skip string) (*graphPage, int, error) {
	cuts := 0
	for {
		body := graphRequest{Query: query, Options: graphOptions{Top: *top, SkipToken: skip, ResultFormat: "objectArray"}}
		if sc.mg != "" {
			body.ManagementGroups = []string{sc.mg}
			body.Options.AllowPartialScopes = true
		} else {
			body.Subscriptions = sc.subs
		}
		resp, b, err := r.c.do(ctx, http.MethodPost, r.c.url("/providers/Microsoft.ResourceGraph/resources", graphAPI), body)
		if err == nil && resp.StatusCode == http.StatusOK {
			var p *graphPage
			if p, err = decodePage(b); err == nil {
				if resp.Header.Get("x-ms-tenant-subscription-limit-hit") == "true" {
					r.limitHit.Store(true)
				}
				return p, len(b), nil
			}
		}
		if err != nil { // a transport failure after azcore's retries, a cut or unreadable answer
			if ctx.Err() != nil || isFatal(err) || cuts >= int(r.opt.MaxRetries) {
				return nil, 0, fmt.Errorf("Resource Graph query over %s: %w", sc, err)
			}
			cuts++
			r.retried.Add(1)
			continue
		}
		he := statusError(sc.String(), resp.StatusCode, b)
		switch {
		case tooLarge(he) && *top > 1:
			*top /= 2
			r.halved.Add(1)
			continue
		case resp.StatusCode == http.StatusForbidden:
			return nil, 0, errForbidden{he}
		}
		return nil, 0, he
	}
}

// tooLarge is Resource Graph's answer to a page over 16 MiB: error code
// ResponsePayloadTooLarge (microsoft/ARI #199 saw it; the code decides, whatever the status).
func tooLarge(he *httpError) bool {
	return strings.EqualFold(he.code, "ResponsePayloadTooLarge") || he.status == http.StatusRequestEntityTooLarge
}

// isFatal is a failure that asking again cannot mend: the token ran out or was refused.
func isFatal(err error) bool {
	var te errTokenExpired
	return errors.As(err, &te)
}

// statusError is an HTTP failure with its status kept for the manifest.
type httpError struct {
	scope   string
	status  int
	code    string
	message string
}

func (e *httpError) Error() string {
	if e.code != "" {
		return fmt.Sprintf("%s: %d %s: %s", e.scope, e.status, e.code, e.message)
	}
	return fmt.Sprintf("%s: %d: %s", e.scope, e.status, e.message)
}

func statusError(where string, status int, body []byte) *httpError {
	he := &httpError{scope: where, status: status, message: http.StatusText(status)}
	var e struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &e) == nil && e.Error.Code+e.Error.Message != "" {
		he.code, he.message = e.Error.Code, oneLine(e.Error.Message)
	} else if t := bytes.TrimSpace(body); len(t) > 0 {
		he.message = oneLine(string(t))
	}
	return he
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 300 {
		s = s[:300] + "..."
	}
	return s
}
