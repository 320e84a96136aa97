package compare

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/vnetdoctor/vnetdoctor/internal/jsondoc"
)

// Live answers sit in a collected snapshot as DIR/live/effective-routes/<nic>.json and
// DIR/live/effective-nsg/<nic>.json (cli.md "collect").
const (
	LiveDir    = "live"
	RoutesDir  = "effective-routes"
	NSGDir     = "effective-nsg"
	maxAnswer  = 256 << 20 // far above any NIC's answer; a larger file is not one
	jsonSuffix = ".json"
)

// Live reads Azure's answers under the live/ directory of each snapshot directory given (paths
// that are not directories, or have no live/, hold none). One Input per NIC: the NIC ID
// manifest.json records for the file, else the <nic> file stem; in name order. dirs are the
// live/ directories found, whose files the snapshot loader should not count as snapshot files.
// Files are parsed in parallel. Bad input is a *jsondoc.Error naming the file and JSON path (the
// first such file in name order).
func Live(paths []string) (ins []Input, dirs []string, err error) {
	var files []liveFile
	dirs = LiveDirs(paths)
	for _, live := range dirs {
		p := filepath.Dir(live)
		ids, err := manifestNICs(p)
		if err != nil {
			return nil, nil, err
		}
		for _, sub := range []struct {
			dir  string
			kind Kind
		}{{RoutesDir, KindRoutes}, {NSGDir, KindNSGs}} {
			l, err := listKind(p, sub.dir, sub.kind, ids)
			if err != nil {
				return nil, nil, err
			}
			files = append(files, l...)
		}
	}
	answers, errs := make([]*Answer, len(files)), make([]error, len(files))
	parallel(len(files), func(i int) { answers[i], errs[i] = ReadAnswer(files[i].path, files[i].kind) })
	byNIC := map[string]*Input{}
	for i, f := range files {
		if errs[i] != nil {
			return nil, nil, errs[i]
		}
		in := byNIC[f.ref]
		if in == nil {
			in = &Input{Ref: f.ref}
			byNIC[f.ref] = in
		}
		if f.kind == KindRoutes {
			in.Routes = answers[i]
		} else {
			in.NSGs = answers[i]
		}
	}
	names := make([]string, 0, len(byNIC))
	for n := range byNIC {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		ins = append(ins, *byNIC[n])
	}
	return ins, dirs, nil
}

// liveFile is one answer file and the NIC reference it is for.
type liveFile struct {
	path, ref string
	kind      Kind
}

// parallel calls fn(0..n-1) on GOMAXPROCS goroutines and waits.
func parallel(n int, fn func(int)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < min(n, runtime.GOMAXPROCS(0)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				fn(i)
			}
		}()
	}
	wg.Wait()
}

// manifestNICs maps each live file (path under DIR, with slashes) to the NIC ID collect
// recorded as its source ("live: <NIC ID>" in manifest.json): collect names a file by the NIC's
// name, or resourceGroup_name when two NICs share a name, with unsafe characters replaced.
func manifestNICs(dir string) (map[string]string, error) {
	file := filepath.Join(dir, "manifest.json")
	data, err := os.ReadFile(file)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, &jsondoc.Error{File: file, Msg: err.Error()}
	}
	var m struct {
		Files []struct{ Path, Source string } `json:"files"`
	}
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, &jsondoc.Error{File: file, Path: "$.files", Msg: "not a collect manifest: " + err.Error()}
	}
	ids := map[string]string{}
	for _, f := range m.Files {
		if id, ok := strings.CutPrefix(f.Source, "live: "); ok {
			ids[strings.ToLower(filepath.ToSlash(f.Path))] = id
		}
	}
	return ids, nil
}

// LiveDirs are the live/ directories of the snapshot directories given.
func LiveDirs(paths []string) []string {
	var dirs []string
	for _, p := range paths {
		live := filepath.Join(p, LiveDir)
		if fi, err := os.Stat(live); err == nil && fi.IsDir() {
			dirs = append(dirs, live)
		}
	}
	return dirs
}

// listKind lists the answer files of one kind under snap/live/sub, in name order.
func listKind(snap, sub string, kind Kind, ids map[string]string) ([]liveFile, error) {
	dir := filepath.Join(snap, LiveDir, sub)
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, &jsondoc.Error{File: dir, Msg: err.Error()}
	}
	var out []liveFile
	for _, e := range entries {
		if e.IsDir() || !strings.EqualFold(filepath.Ext(e.Name()), jsonSuffix) {
			continue
		}
		ref := strings.TrimSuffix(e.Name(), filepath.Ext(e.Name()))
		if id := ids[strings.ToLower(LiveDir+"/"+sub+"/"+e.Name())]; id != "" {
			ref = id
		}
		out = append(out, liveFile{filepath.Join(dir, e.Name()), ref, kind})
	}
	return out, nil
}

// ReadAnswer reads and parses one answer file (want as in ParseAnswer).
func ReadAnswer(file string, want Kind) (*Answer, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, &jsondoc.Error{File: file, Msg: strings.TrimPrefix(err.Error(), "open "+file+": ")}
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.Size() > maxAnswer {
		return nil, &jsondoc.Error{File: file, Msg: fmt.Sprintf("%d bytes: too large for one NIC's answer", fi.Size())}
	}
	data, err := io.ReadAll(io.LimitReader(f, maxAnswer+1))
	switch {
	case err != nil:
		return nil, &jsondoc.Error{File: file, Msg: err.Error()}
	case len(data) > maxAnswer:
		return nil, &jsondoc.Error{File: file, Msg: "too large for one NIC's answer"}
	}
	return ParseAnswer(file, data, want)
}
