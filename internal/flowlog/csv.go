package flowlog

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Log Analytics exports a query's rows as CSV with the table's column names as the header
// (the portal adds the time zone to datetime columns: "TimeGenerated [UTC]"). A CSV file is
// recognised by a header naming a column of the tables read (logs.md §4).
var csvColumns = []string{"timegenerated", "type", "category", "resourceid", "sourceip", "destinationip", "msg_s", "msg"}

// csvHeader reports whether line (the file's first line) is such a header.
func csvHeader(line string) bool {
	if !strings.Contains(line, ",") {
		return false
	}
	for _, f := range strings.Split(line, ",") {
		if isCSVColumn(csvName(f)) {
			return true
		}
	}
	return false
}

func isCSVColumn(name string) bool {
	for _, c := range csvColumns {
		if strings.EqualFold(name, c) {
			return true
		}
	}
	return false
}

// csvName is a header cell as a column name: unquoted, without the portal's " [UTC]".
func csvName(f string) string {
	f = strings.Trim(strings.TrimSpace(f), `"`)
	if i := strings.Index(f, " ["); i >= 0 {
		f = f[:i]
	}
	return strings.TrimSpace(f)
}

// csvRows reads a Log Analytics CSV export; each row is one firewall record.
type csvRows struct {
	r      *csv.Reader
	header []string
}

func newCSVRows(rd io.Reader) (*csvRows, error) {
	c := csv.NewReader(rd)
	c.FieldsPerRecord = -1
	c.LazyQuotes = true
	c.ReuseRecord = true
	h, err := c.Read()
	if err != nil {
		return nil, err
	}
	rows := &csvRows{r: c}
	for _, f := range h {
		rows.header = append(rows.header, csvName(f))
	}
	return rows, nil
}

// rowError is a row that cannot be read; reading goes on with the next row.
type rowError struct{ msg string }

func (e *rowError) Error() string { return e.msg }

// next decodes the next row into w, with its line number; io.EOF at the end. A row that is
// not as wide as the header, or not valid CSV, is a *rowError.
func (c *csvRows) next(w *wireRecord) (int, error) {
	rec, err := c.r.Read()
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return pe.StartLine, &rowError{"not valid CSV: " + pe.Err.Error()}
		}
		return 0, err
	}
	line, _ := c.r.FieldPos(0)
	if len(rec) != len(c.header) {
		return line, &rowError{fmt.Sprintf("row has %d fields, the header %d", len(rec), len(c.header))}
	}
	// The row as the JSON object a JSON export would hold: the same decoding, the same
	// case-insensitive names and the same tolerance of numbers written as strings.
	obj := make(map[string]string, len(rec))
	for i, v := range rec {
		if v != "" {
			obj[c.header[i]] = v
		}
	}
	b, _ := json.Marshal(obj)
	*w = wireRecord{}
	if err := json.Unmarshal(b, w); err != nil {
		return line, &rowError{"row: " + jsonProblem(err)}
	}
	return line, nil
}

// nextCSV reads the next CSV row into w; false at the end. A bad row is skipped (one Seq)
// unless it is the last one, which is taken for half-written (no Seq: read again when the
// file has grown), as a JSON line would be.
func (r *Reader) nextCSV(w *wireRecord) bool {
	if r.read {
		r.elem++
	}
	r.read = true
	line, err := r.csv.next(w)
	for {
		var re *rowError
		if !errors.As(err, &re) {
			break
		}
		path := "line " + strconv.Itoa(line)
		var next wireRecord
		nline, nerr := r.csv.next(&next)
		if nerr == io.EOF {
			r.skip(path, "half-written last row (the file ends mid-record): "+re.msg)
			return false
		}
		r.skipElem(path, re.msg)
		r.elem++
		*w, line, err = next, nline, nerr
	}
	if err != nil {
		if err != io.EOF {
			r.err = err
		}
		return false
	}
	r.line = line
	return true
}
