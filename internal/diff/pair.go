package diff

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// ReadChanged reads two snapshots (files and directories, as ReadDocs) for CompareResources, without
// parsing what cannot differ: a file whose bytes the other side also holds (matched by content,
// whatever its name) holds the same resources on both sides, so only the other files are read.
// CompareResources of the two answers equals that of ReadDocs of each side: a resource that
// differs (or one side lacks) and also sits in a shared file gets that file's objects on both
// sides, so the larger-body rule of ReadDocs picks as it would. The answers hold only part of
// each snapshot: use ReadDocs where the whole is needed (a plan overlay merges into bodies).
func ReadChanged(before, after []string) (Docs, Docs, error) {
	fb, err := readFiles(before)
	if err != nil {
		return nil, nil, err
	}
	fa, err := readFiles(after)
	if err != nil {
		return nil, nil, err
	}
	shared := pairFiles(fb, fa)
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
func readFiles(paths []string) ([]file, error) {
	var out []file
	for _, p := range paths {
		err := filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() || (path != p && !strings.EqualFold(filepath.Ext(path), ".json")) {
				return nil
			}
			data, err := os.ReadFile(path)
			if err != nil {
				return err
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
// returns them.
func pairFiles(b, a []file) []file {
	var shared []file
	for i := range a {
		for j := range b {
			if b[j].data != nil && len(b[j].data) == len(a[i].data) && bytes.Equal(b[j].data, a[i].data) {
				shared = append(shared, a[i])
				a[i].data, b[j].data = nil, nil
				break
			}
		}
	}
	return shared
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
		low := bytes.ToLower(f.data)
		for _, id := range ids {
			if bytes.Contains(low, id) {
				if err := bd.read(f.name, f.data); err != nil {
					return err
				}
				if err := ad.read(f.name, f.data); err != nil {
					return err
				}
				break
			}
		}
	}
	return nil
}

// sameBody: no JSON path differs (as CompareResources decides).
func sameBody(b, a map[string]any) bool {
	var fields []string
	compare("$", b, a, true, &fields)
	return len(fields) == 0
}
