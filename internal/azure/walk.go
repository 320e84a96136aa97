package azure

import (
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
)

// source is one file to read: its path as the user named it (directories expanded), its name
// relative to the -s argument it came from, and, when it cannot be read at all (not a regular
// file, an unreadable directory), why: Load reports that like any other bad file, so
// --skip-invalid skips it.
type source struct {
	path, name string
	err        error
}

// expand turns the command-line paths into a list of files. A path (or a symlink to one) that
// is a directory is read recursively: files named *.json in lexical order of path, symbolic
// links followed, each directory read once (a symlink loop, or two links to one directory, is
// not read twice), entries whose name starts with "." (.git, .terraform) left out. "-" is
// standard input and may appear once.
func expand(paths []string) ([]source, error) {
	var files []source
	stdin := false
	for _, p := range paths {
		if p == "-" {
			if stdin {
				return nil, &InputError{File: "-", Msg: "standard input named twice (-s - may appear once)"}
			}
			stdin = true
			files = append(files, source{path: p, name: p})
			continue
		}
		st, err := os.Stat(p) // follows a symlink: -s link-to-dir reads the directory
		if err != nil {
			return nil, &InputError{File: p, Msg: ioMsg(err)}
		}
		if !st.IsDir() {
			files = append(files, source{path: p, name: filepath.Base(p), err: notRegular(p, st.Mode())})
			continue
		}
		f := finder{seen: map[fileID]bool{}}
		f.dir(p, "", st)
		if len(f.found) == 0 {
			msg := "directory holds no *.json file"
			if f.source != "" { // Bicep or Terraform sources: say what they are
				msg += "; " + f.source + " is " + notJSONSource(f.source)
			}
			return nil, &InputError{File: p, Msg: msg}
		}
		sort.Slice(f.found, func(i, j int) bool { return f.found[i].path < f.found[j].path })
		files = append(files, f.found...)
	}
	return files, nil
}

// finder collects the *.json files under a directory.
type finder struct {
	found    []source
	seen     map[fileID]bool // directories read, by device and inode
	seenInfo []fs.FileInfo   // the same where the OS gives no inode (os.SameFile)
	source   string          // the first Bicep or Terraform file seen, for the message of a directory without *.json
}

// dir reads directory path, named rel under the -s argument (st is its os.Stat), unless it
// was read already.
func (f *finder) dir(path, rel string, st fs.FileInfo) {
	if id, ok := fileIDOf(st); ok {
		if f.seen[id] {
			return
		}
		f.seen[id] = true
	} else {
		for _, s := range f.seenInfo {
			if os.SameFile(s, st) {
				return
			}
		}
		f.seenInfo = append(f.seenInfo, st)
	}
	entries, err := os.ReadDir(path)
	if err != nil { // an unreadable directory is bad input like an unreadable file
		f.found = append(f.found, source{path: path, name: rel, err: &InputError{File: path, Msg: ioMsg(err)}})
	}
	collected := collectedSnapshot(path, entries)
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, ".") {
			continue // hidden: .git, .terraform, editors' files
		}
		if collected && (name == collectManifest || name == collectLive) {
			continue // collect's own record and Azure's answers: read by compare, not resources
		}
		f.entry(filepath.Join(path, name), joinRel(rel, name), e)
	}
}

func joinRel(rel, name string) string {
	if rel == "" {
		return name
	}
	return rel + "/" + name
}

func (f *finder) entry(path, rel string, e fs.DirEntry) {
	name := e.Name()
	mode := e.Type()
	if mode&fs.ModeSymlink != 0 || mode.IsDir() {
		st, err := os.Stat(path)
		if err != nil {
			if isJSON(name) { // a dangling link named *.json: say so rather than ignore it
				f.found = append(f.found, source{path: path, name: rel, err: &InputError{File: path, Msg: ioMsg(err)}})
			}
			return
		}
		if st.IsDir() {
			f.dir(path, rel, st)
			return
		}
		mode = st.Mode()
	}
	if isJSON(name) {
		f.found = append(f.found, source{path: path, name: rel, err: notRegular(path, mode)})
	} else if f.source == "" && notJSONSource(name) != "" {
		f.source = rel
	}
}

func isJSON(name string) bool { return strings.EqualFold(filepath.Ext(name), ".json") }

// notRegular is the error for a file that is not a regular file (nil for one): a FIFO would
// block the loader until something writes to it, a device (/dev/zero) never ends.
func notRegular(path string, mode fs.FileMode) error {
	if mode.IsRegular() {
		return nil
	}
	what := "not a regular file"
	switch {
	case mode&fs.ModeNamedPipe != 0:
		what = "a named pipe (FIFO), not a regular file; pipe into -s - instead"
	case mode&fs.ModeSocket != 0:
		what = "a socket, not a regular file"
	case mode&fs.ModeDevice != 0:
		what = "a device, not a regular file"
	case mode.IsDir():
		what = "a directory, not a regular file"
	}
	return &InputError{File: path, Msg: what}
}

// What `vnetdoctor collect` writes beside the snapshot files (docs/collect.md).
const (
	collectManifest = "manifest.json"
	collectLive     = "live"
)

// collectedSnapshot reports whether the directory holds a manifest written by vnetdoctor
// collect: its first bytes name the tool.
func collectedSnapshot(dir string, entries []fs.DirEntry) bool {
	if !slices.ContainsFunc(entries, func(e fs.DirEntry) bool { return e.Name() == collectManifest && e.Type().IsRegular() }) {
		return false
	}
	f, err := os.Open(filepath.Join(dir, collectManifest))
	if err != nil {
		return false
	}
	defer f.Close()
	head := make([]byte, 256)
	n, _ := io.ReadFull(f, head)
	return manifestTool.Match(head[:n])
}

var manifestTool = regexp.MustCompile(`^\s*\{\s*"tool"\s*:\s*"vnetdoctor"`)

// Size is the number of bytes Load would read from paths (directories expanded as Load expands
// them; standard input and files that cannot be read count nothing): what a command may size its
// memory by before it loads. Errors are Load's to report.
func Size(paths []string) int64 {
	files, _ := expand(paths)
	var n int64
	for _, f := range files {
		if f.err != nil || f.path == "-" {
			continue
		}
		if st, err := os.Stat(f.path); err == nil {
			n += st.Size()
		}
	}
	return n
}
