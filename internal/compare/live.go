package compare

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

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
// that are not directories, or have no live/, hold none). One Input per <nic> file stem, in
// name order; dirs are the live/ directories found, whose files the snapshot loader should not
// count as snapshot files. Bad input is a *jsondoc.Error naming the file and JSON path.
func Live(paths []string) (ins []Input, dirs []string, err error) {
	byNIC := map[string]*Input{}
	for _, p := range paths {
		live := filepath.Join(p, LiveDir)
		if fi, err := os.Stat(live); err != nil || !fi.IsDir() {
			continue
		}
		dirs = append(dirs, live)
		for _, sub := range []struct {
			dir  string
			kind Kind
		}{{RoutesDir, KindRoutes}, {NSGDir, KindNSGs}} {
			if err := readKind(filepath.Join(live, sub.dir), sub.kind, byNIC); err != nil {
				return nil, nil, err
			}
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

func readKind(dir string, kind Kind, byNIC map[string]*Input) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return &jsondoc.Error{File: dir, Msg: err.Error()}
	}
	for _, e := range entries {
		if e.IsDir() || !strings.EqualFold(filepath.Ext(e.Name()), jsonSuffix) {
			continue
		}
		file := filepath.Join(dir, e.Name())
		a, err := ReadAnswer(file, kind)
		if err != nil {
			return err
		}
		stem := strings.TrimSuffix(e.Name(), filepath.Ext(e.Name()))
		in := byNIC[stem]
		if in == nil {
			in = &Input{Ref: stem}
			byNIC[stem] = in
		}
		if kind == KindRoutes {
			in.Routes = a
		} else {
			in.NSGs = a
		}
	}
	return nil
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
