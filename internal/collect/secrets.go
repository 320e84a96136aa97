package collect

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strings"
)

// Secrets are never written (cli.md "collect"). Resource Graph returns a connection's
// sharedKey and an ExpressRoute authorization's authorizationKey in properties (spec
// collect.md §1); keys and SAS URLs can sit in other properties (a firewall policy's
// explicit proxy PAC file URL carries a SAS signature). A row that may hold one is decoded,
// cleaned and encoded again; the others are written byte for byte.

// secretKeys are property names (lower case) whose values are dropped wherever they appear.
var secretKeys = map[string]bool{
	"sharedkey": true, "authorizationkey": true, "primarykey": true, "secondarykey": true,
	"primarysharedkey": true, "secondarysharedkey": true, "presharedkey": true, "key1": true, "key2": true,
	"keys": true, "password": true, "adminpassword": true, "connectionstring": true,
	"primaryconnectionstring": true, "secondaryconnectionstring": true, "clientsecret": true,
}

// markers are cheap byte tests: a row without any of them holds no secret key or SAS URL.
var markers = [][]byte{[]byte(`key"`), []byte(`keys"`), []byte(`sig=`), []byte(`password"`), []byte(`string"`),
	[]byte(`secret"`), []byte(`Key"`), []byte(`Keys"`), []byte(`Password"`), []byte(`String"`), []byte(`Secret"`)}

// sasSig matches the signature of a shared access signature URL.
var sasSig = regexp.MustCompile(`(?i)([?&]sig=)[^&"\s]+`)

// mayHoldSecret is the fast test.
func mayHoldSecret(row []byte) bool {
	for _, m := range markers {
		if bytes.Contains(row, m) {
			return true
		}
	}
	return false
}

// redact returns row without secrets and how many values it dropped or masked.
func redact(row json.RawMessage) (json.RawMessage, int) {
	if !mayHoldSecret(row) {
		return row, 0
	}
	dec := json.NewDecoder(bytes.NewReader(row))
	dec.UseNumber() // numbers keep their exact text
	var v any
	if err := dec.Decode(&v); err != nil {
		return row, 0
	}
	n := scrub(v)
	if n == 0 {
		return row, 0
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // keep & in URLs as it came
	if err := enc.Encode(v); err != nil {
		return row, 0
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), n
}

func scrub(v any) int {
	n := 0
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			if secretKeys[strings.ToLower(k)] {
				delete(t, k)
				n++
				continue
			}
			if s, ok := x.(string); ok && sasSig.MatchString(s) {
				t[k] = sasSig.ReplaceAllString(s, "${1}REDACTED")
				n++
				continue
			}
			n += scrub(x)
		}
	case []any:
		for i, x := range t {
			if s, ok := x.(string); ok && sasSig.MatchString(s) {
				t[i] = sasSig.ReplaceAllString(s, "${1}REDACTED")
				n++
				continue
			}
			n += scrub(x)
		}
	}
	return n
}
