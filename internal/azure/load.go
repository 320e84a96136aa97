package azure

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// Options controls Load.
type Options struct {
	// SkipInvalid loads the readable files and records the others as Skipped notes instead
	// of failing (cli.md --skip-invalid).
	SkipInvalid bool
	// Stdin is read for the path "-".
	Stdin io.Reader
}

// Load reads files, directories (recursively, *.json, in lexical order) and "-" (stdin),
// decoding files in parallel, and returns their wire objects in input order with the
// snapshot's identity (model.SnapshotInfo) over the files it read.
func Load(paths []string, opt Options) (*Snapshot, error) {
	start := time.Now()
	files, err := expand(paths)
	if err != nil {
		return nil, err
	}
	results := make([]*Snapshot, len(files))
	errs := make([]error, len(files))
	sums := make([][sha256.Size]byte, len(files))
	parallel(len(files), func(i int) {
		data, err := read(files[i].path, opt.Stdin)
		if err == nil {
			sums[i] = sha256.Sum256(data)
			results[i], err = DecodeFile(files[i].path, data)
		}
		errs[i] = err
	})
	out := &Snapshot{Unknown: map[string]int{}}
	var hashed []hashedFile
	for i, r := range results {
		if errs[i] != nil {
			if !opt.SkipInvalid {
				return nil, errs[i]
			}
			out.Notes = append(out.Notes, Note{Code: "Skipped", File: files[i].path, Msg: errs[i].Error()})
			continue
		}
		out.Merge(r)
		out.Info.Sources = append(out.Info.Sources, files[i].path)
		hashed = append(hashed, hashedFile{files[i].name, sums[i]})
	}
	out.Info.Hash = contentHash(hashed)
	out.Info.LoadedAt = start
	return out, nil
}

// Identify returns the identity of a snapshot read from the one in-memory file name.
func Identify(name string, data []byte) model.SnapshotInfo {
	return model.SnapshotInfo{
		Hash:     contentHash([]hashedFile{{filepath.Base(name), sha256.Sum256(data)}}),
		LoadedAt: time.Now(),
		Sources:  []string{name},
	}
}

type hashedFile struct {
	name string // relative to the -s argument it came from (model.SnapshotInfo.Hash)
	sum  [sha256.Size]byte
}

// contentHash is model.SnapshotInfo.Hash: SHA-256 over name, NUL, SHA-256 of the bytes, for
// each file in order of name (then of content, should two names be equal).
func contentHash(files []hashedFile) string {
	sort.Slice(files, func(i, j int) bool {
		if files[i].name != files[j].name {
			return files[i].name < files[j].name
		}
		return string(files[i].sum[:]) < string(files[j].sum[:])
	})
	h := sha256.New()
	for _, f := range files {
		h.Write([]byte(f.name))
		h.Write([]byte{0})
		h.Write(f.sum[:])
	}
	return hex.EncodeToString(h.Sum(nil))
}

// parallel runs f(0..n-1) on at most GOMAXPROCS goroutines.
func parallel(n int, f func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	next := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				f(i)
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
}

// source is one file to read: its path as the user named it (directories expanded) and its
// name relative to the -s argument it came from.
type source struct{ path, name string }

// expand turns the command-line paths into a list of files.
func expand(paths []string) ([]source, error) {
	var files []source
	for _, p := range paths {
		if p == "-" {
			files = append(files, source{p, p})
			continue
		}
		st, err := os.Stat(p)
		if err != nil {
			return nil, &InputError{File: p, Msg: ioMsg(err)}
		}
		if !st.IsDir() {
			files = append(files, source{p, filepath.Base(p)})
			continue
		}
		found, err := jsonFiles(p)
		if err != nil {
			return nil, err
		}
		if len(found) == 0 {
			return nil, &InputError{File: p, Msg: "directory holds no *.json file"}
		}
		for _, f := range found {
			rel, err := filepath.Rel(p, f)
			if err != nil {
				rel = f
			}
			files = append(files, source{f, filepath.ToSlash(rel)})
		}
	}
	return files, nil
}

func jsonFiles(dir string) ([]string, error) {
	var out []string
	err := filepath.WalkDir(dir, func(path string, e fs.DirEntry, err error) error {
		if err != nil {
			return &InputError{File: path, Msg: ioMsg(err)}
		}
		if !e.IsDir() && strings.EqualFold(filepath.Ext(path), ".json") {
			out = append(out, path)
		}
		return nil
	})
	sort.Strings(out)
	return out, err
}

func read(file string, stdin io.Reader) ([]byte, error) {
	if file == "-" {
		if stdin == nil {
			return nil, &InputError{File: "-", Msg: "no standard input"}
		}
		b, err := io.ReadAll(stdin)
		if err != nil {
			return nil, &InputError{File: "-", Msg: ioMsg(err)}
		}
		return b, nil
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, &InputError{File: file, Msg: ioMsg(err)}
	}
	return b, nil
}

// ioMsg is an OS error without the path the InputError already names.
func ioMsg(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Op + ": " + pe.Err.Error()
	}
	return err.Error()
}

// Merge appends o's objects after s's.
func (s *Snapshot) Merge(o *Snapshot) {
	s.VNets = append(s.VNets, o.VNets...)
	s.Subnets = append(s.Subnets, o.Subnets...)
	s.Peerings = append(s.Peerings, o.Peerings...)
	s.NICs = append(s.NICs, o.NICs...)
	s.VMs = append(s.VMs, o.VMs...)
	s.NSGs = append(s.NSGs, o.NSGs...)
	s.SecurityRules = append(s.SecurityRules, o.SecurityRules...)
	s.RouteTables = append(s.RouteTables, o.RouteTables...)
	s.Routes = append(s.Routes, o.Routes...)
	s.ASGs = append(s.ASGs, o.ASGs...)
	s.PublicIPs = append(s.PublicIPs, o.PublicIPs...)
	s.PublicIPPrefixes = append(s.PublicIPPrefixes, o.PublicIPPrefixes...)
	s.NATGateways = append(s.NATGateways, o.NATGateways...)
	s.PrivateEndpoints = append(s.PrivateEndpoints, o.PrivateEndpoints...)
	s.Firewalls = append(s.Firewalls, o.Firewalls...)
	s.FirewallPolicies = append(s.FirewallPolicies, o.FirewallPolicies...)
	s.RuleGroups = append(s.RuleGroups, o.RuleGroups...)
	s.IPGroups = append(s.IPGroups, o.IPGroups...)
	s.VNetGateways = append(s.VNetGateways, o.VNetGateways...)
	s.LocalGateways = append(s.LocalGateways, o.LocalGateways...)
	s.Connections = append(s.Connections, o.Connections...)
	s.LoadBalancers = append(s.LoadBalancers, o.LoadBalancers...)
	s.AdminConfigs = append(s.AdminConfigs, o.AdminConfigs...)
	s.AdminCollections = append(s.AdminCollections, o.AdminCollections...)
	s.AdminRules = append(s.AdminRules, o.AdminRules...)
	s.NetworkGroups = append(s.NetworkGroups, o.NetworkGroups...)
	s.StaticMembers = append(s.StaticMembers, o.StaticMembers...)
	s.NetAppVolumes = append(s.NetAppVolumes, o.NetAppVolumes...)
	s.ServiceTags = append(s.ServiceTags, o.ServiceTags...)
	s.DNS.merge(&o.DNS)
	if s.Unknown == nil {
		s.Unknown = map[string]int{}
	}
	for k, n := range o.Unknown {
		s.Unknown[k] += n
	}
	s.Notes = append(s.Notes, o.Notes...)
}
