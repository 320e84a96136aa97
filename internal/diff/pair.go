package diff

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/maphash"
	"io"
	"os"
	"slices"
	"sync"
)

// ReadChanged reads two snapshots (files and directories, as ReadDocs) for CompareResources, without
// parsing what cannot differ: a file whose bytes the other side also holds (matched by content,
// whatever its name) holds the same resources on both sides, so only the other files are read.
// CompareResources of the two answers equals that of ReadDocs of each side: a resource that
// differs (or one side lacks) and also sits in a shared file gets that file's objects on both
// sides, so the larger-body rule of ReadDocs picks as it would. The answers hold only part of
// each snapshot: use ReadDocs where the whole is needed (a plan overlay merges into bodies).
// read reads one file (nil: os.ReadFile); it must not hand out bytes anyone writes to, and nil
// bytes leave the file out (one the loads skipped). A command that loads the same files at once
// passes azure.Parsed.Read, so each file is read once.
func ReadChanged(before, after []string, read func(path string) ([]byte, error)) (Docs, Docs, error) {
	if read == nil {
		read = os.ReadFile
	}
	fb, err := readFiles(before, read)
	if err != nil {
		return nil, nil, err
	}
	fa, err := readFiles(after, read)
	if err != nil {
		return nil, nil, err
	}
	shared := pairFiles(fb, fa)
	// Within the files that differ, most resources are the same bytes too (one per element of a
	// list): pair those as well.
	fb, fa = splitFiles(fb), splitFiles(fa)
	shared = append(shared, pairFiles(fb, fa)...)
	var bd, ad Docs
	var eb, ea error
	var wg sync.WaitGroup
	wg.Go(func() { bd, eb = parseFiles(fb) })
	ad, ea = parseFiles(fa)
	wg.Wait()
	if eb != nil {
		return nil, nil, eb
	}
	if ea != nil {
		return nil, nil, ea
	}
	if err := addShared(bd, ad, shared); err != nil {
		return nil, nil, err
	}
	return bd, ad, nil
}

// file is one snapshot file's name and bytes; shared files are dropped from their side's list.
type file struct {
	name string
	data []byte
}

// readFiles reads paths as ReadDocs walks them.
func readFiles(paths []string, read func(string) ([]byte, error)) ([]file, error) {
	var out []file
	for _, p := range paths {
		err := walkJSON(p, read, func(path string, data []byte) error {
			if data == nil {
				return nil
			}
			out = append(out, file{path, data})
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// pairFiles removes from both lists the files whose bytes the other list holds (one for one) and
// returns them. A file is first compared with the other side's file at the same place (the usual
// case: the same file, unchanged), then looked up by hash among the files of its length.
func pairFiles(b, a []file) []file {
	var shared []file
	take := func(i, j int) {
		shared = append(shared, a[i])
		a[i].data, b[j].data = nil, nil
	}
	for i := range min(len(a), len(b)) {
		if a[i].data != nil && b[i].data != nil && bytes.Equal(a[i].data, b[i].data) {
			take(i, i)
		}
	}
	lens := map[int][]int{} // length -> files of b left
	for j := range b {
		if b[j].data != nil {
			lens[len(b[j].data)] = append(lens[len(b[j].data)], j)
		}
	}
	seed := maphash.MakeSeed()
	byHash := map[uint64][]int{}
	for i := range a {
		if a[i].data == nil || len(lens[len(a[i].data)]) == 0 {
			continue
		}
		for _, j := range lens[len(a[i].data)] {
			h := maphash.Bytes(seed, b[j].data)
			byHash[h] = append(byHash[h], j)
		}
		delete(lens, len(a[i].data)) // hashed once
	}
	for i := range a {
		if a[i].data == nil || len(byHash) == 0 {
			continue
		}
		for _, j := range byHash[maphash.Bytes(seed, a[i].data)] {
			if b[j].data != nil && bytes.Equal(b[j].data, a[i].data) {
				take(i, j)
				break
			}
		}
	}
	return shared
}

// splitFiles cuts each file left into the values it lists (splitJSON); a file it cannot cut
// stays whole.
func splitFiles(fs []file) []file {
	var out []file
	for _, f := range fs {
		if f.data == nil {
			continue
		}
		parts, ok := splitJSON(f.data)
		if !ok {
			out = append(out, f)
			continue
		}
		for _, p := range parts {
			out = append(out, file{f.name, p})
		}
	}
	return out
}

// splitJSON cuts data into values that index alike one by one and whole: each top-level value
// that is an array gives its elements; an object that is not a resource (no "id" member) gives
// its members' values, an array member its elements. false when data is not that shape (or not
// JSON: parsing it whole then reports the error).
func splitJSON(data []byte) ([][]byte, bool) {
	var out [][]byte
	i := skipSpace(data, 0)
	for i < len(data) {
		var ok bool
		switch data[i] {
		case '[':
			out, i, ok = elements(data, i, out)
		case '{':
			out, i, ok = members(data, i, out)
		default:
			return nil, false
		}
		if !ok {
			return nil, false
		}
		i = skipSpace(data, i)
	}
	return out, true
}

// elements appends the elements of the array at data[i] and returns the index after it.
func elements(data []byte, i int, out [][]byte) ([][]byte, int, bool) {
	i = skipSpace(data, i+1)
	for i < len(data) && data[i] != ']' {
		j, ok := skipValue(data, i)
		if !ok {
			return nil, 0, false
		}
		out = append(out, data[i:j])
		if i = skipSpace(data, j); i < len(data) && data[i] == ',' {
			i = skipSpace(data, i+1)
		}
	}
	return out, i + 1, i < len(data)
}

// members appends the member values of the object at data[i] (an array's elements for an array
// value) and returns the index after it; false for an object with an "id" member.
func members(data []byte, i int, out [][]byte) ([][]byte, int, bool) {
	i = skipSpace(data, i+1)
	for i < len(data) && data[i] != '}' {
		k, ok := skipValue(data, i)
		if !ok || data[i] != '"' || string(data[i:k]) == `"id"` {
			return nil, 0, false
		}
		if i = skipSpace(data, k); i >= len(data) || data[i] != ':' {
			return nil, 0, false
		}
		i = skipSpace(data, i+1)
		j, ok := skipValue(data, i)
		if !ok {
			return nil, 0, false
		}
		if data[i] == '[' {
			if out, _, ok = elements(data, i, out); !ok {
				return nil, 0, false
			}
		} else {
			out = append(out, data[i:j])
		}
		if i = skipSpace(data, j); i < len(data) && data[i] == ',' {
			i = skipSpace(data, i+1)
		}
	}
	return out, i + 1, i < len(data)
}

// skipValue returns the index after the JSON value starting at data[i] (strings, objects and
// arrays by their brackets; a scalar up to the next delimiter).
func skipValue(data []byte, i int) (int, bool) {
	depth := 0
	for j := i; j < len(data); j++ {
		switch c := data[j]; c {
		case '"':
			for j++; j < len(data) && data[j] != '"'; j++ {
				if data[j] == '\\' {
					j++
				}
			}
			if j >= len(data) {
				return 0, false
			}
			if depth == 0 {
				return j + 1, true
			}
		case '{', '[':
			depth++
		case '}', ']':
			if depth == 0 {
				return j, j > i // a scalar ends at its container's end
			}
			depth--
			if depth == 0 {
				return j + 1, true
			}
		case ',', ' ', '\t', '\n', '\r':
			if depth == 0 {
				return j, j > i
			}
		}
	}
	return len(data), depth == 0 && len(data) > i
}

func skipSpace(data []byte, i int) int {
	for i < len(data) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r') {
		i++
	}
	return i
}

// parseFiles indexes the resource objects of the files left (nil data is a shared file).
func parseFiles(fs []file) (Docs, error) {
	docs := Docs{}
	for _, f := range fs {
		if f.data == nil {
			continue
		}
		if err := docs.read(f.name, f.data); err != nil {
			return nil, err
		}
	}
	return docs, nil
}

// read indexes every JSON value of data (a file may hold several, or JSON lines).
func (d Docs) read(name string, data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	for {
		var v any
		if err := dec.Decode(&v); err == io.EOF {
			return nil
		} else if err != nil {
			return fmt.Errorf("%s: %v", name, err)
		}
		d.index(v)
	}
}

// addShared indexes, into both sides, each shared file that names a resource whose body differs
// or that one side lacks. A file that merely refers to such an ID is read too: the test is a
// plain search for the quoted ID, and reading a file too many changes nothing.
func addShared(bd, ad Docs, shared []file) error {
	var ids [][]byte
	for k, a := range ad {
		if b, ok := bd[k]; !ok || !sameBody(b.Body, a.Body) {
			ids = append(ids, []byte(`"`+k+`"`))
		}
	}
	for k := range bd {
		if _, ok := ad[k]; !ok {
			ids = append(ids, []byte(`"`+k+`"`))
		}
	}
	if len(ids) == 0 {
		return nil
	}
	for _, f := range shared {
		if mentions(f.data, ids) {
			if err := bd.read(f.name, f.data); err != nil {
				return err
			}
			if err := ad.read(f.name, f.data); err != nil {
				return err
			}
		}
	}
	return nil
}

// mentions reports whether data holds one of ids (lower case) in any letter case, as
// bytes.Contains(bytes.ToLower(data), id) does, without lowering a copy of data: an ID is looked
// for by a run of its bytes that letter case cannot change (foldAnchor), and each place it occurs
// compared whole. Text beyond ASCII is lowered as before (Unicode case rules are not ASCII's).
func mentions(data []byte, ids [][]byte) bool {
	if !isASCII(data) {
		low := bytes.ToLower(data)
		return slices.ContainsFunc(ids, func(id []byte) bool { return bytes.Contains(low, id) })
	}
	for _, id := range ids {
		if !isASCII(id) {
			if bytes.Contains(bytes.ToLower(data), id) {
				return true
			}
			continue
		}
		lo, hi := foldAnchor(id)
		for from := 0; ; {
			k := bytes.Index(data[from:], id[lo:hi])
			if k < 0 {
				break
			}
			if at := from + k - lo; at >= 0 && at+len(id) <= len(data) && bytes.EqualFold(data[at:at+len(id)], id) {
				return true
			}
			from += k + 1
		}
	}
	return false
}

// foldAnchor is a run of id without letters (id is quoted, so there is one): the last of three
// bytes or more, which names the resource itself rather than its subscription or group, else the
// longest.
func foldAnchor(id []byte) (int, int) {
	letter := func(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
	var lo, hi, llo, lhi int
	for i := 0; i < len(id); {
		if letter(id[i]) {
			i++
			continue
		}
		j := i
		for j < len(id) && !letter(id[j]) {
			j++
		}
		if j-i >= 3 {
			lo, hi = i, j
		}
		if j-i > lhi-llo {
			llo, lhi = i, j
		}
		i = j
	}
	if hi > lo {
		return lo, hi
	}
	return llo, lhi
}

// isASCII reports whether b holds only ASCII bytes. It reads eight at a time: mentions asks it
// of every shared file, the whole snapshot on a diff of one changed resource (65 MB on the
// 10,000-NIC estate, where a byte at a time took 60 ms).
func isASCII(b []byte) bool {
	for len(b) >= 8 {
		if binary.LittleEndian.Uint64(b)&0x8080808080808080 != 0 {
			return false
		}
		b = b[8:]
	}
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}

// sameBody: no JSON path differs (as CompareResources decides).
func sameBody(b, a map[string]any) bool {
	var fields []string
	id, _ := a["id"].(string)
	compare("$", b, a, true, firewallRules(id), &fields)
	return len(fields) == 0
}
