package azure

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/vnetdoctor/vnetdoctor/internal/jsondoc"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// Options controls Load.
type Options struct {
	// SkipInvalid loads the readable files and records the others as Skipped notes instead
	// of failing (cli.md --skip-invalid).
	SkipInvalid bool
	// Stdin is read for the path "-".
	Stdin io.Reader
	// MaxFileSize caps the bytes read from one file (and from standard input); 0 means
	// DefaultMaxFileSize. A larger file is bad input, checked before it is read.
	MaxFileSize int64
	// Parsed, when set, shares parse trees with the other Loads given the same cache: files
	// with the same bytes are parsed once (diff's two snapshots).
	Parsed *Parsed
}

// DefaultMaxFileSize is the default of Options.MaxFileSize: far above any real export (an
// estate of 10,000 NICs is tens of MiB), low enough that a wrong path fails fast.
const DefaultMaxFileSize = 1 << 30

// Load reads files, directories (recursively, *.json, in lexical order; see expand) and "-"
// (stdin, which may hold several JSON values), decoding files in parallel, and returns their
// wire objects in input order with the snapshot's identity (model.SnapshotInfo) over the
// files it read. A snapshot that holds no network resource at all is an *InputError that
// says what its files look like. A panic while decoding is a *PanicError, never bad input.
func Load(paths []string, opt Options) (*Snapshot, error) {
	start := time.Now()
	if opt.MaxFileSize <= 0 {
		opt.MaxFileSize = DefaultMaxFileSize
	}
	files, err := expand(paths)
	if err != nil {
		return nil, err
	}
	results := make([]*Snapshot, len(files))
	errs := make([]error, len(files))
	sums := make([][sha256.Size]byte, len(files))
	err = parallel(len(files), func(i int) {
		f := files[i]
		if f.err != nil {
			errs[i] = f.err
			return
		}
		data, err := read(f.path, opt)
		if err == nil {
			sums[i] = opt.Parsed.sum(data)
			parse := opt.Parsed.parse(sums[i])
			if f.path == "-" {
				parse = jsondoc.ParseStream
			}
			results[i], err = decode(f.path, data, parse)
		}
		errs[i] = err
	}, func(i int) string { return files[i].path })
	if err != nil {
		return nil, err
	}
	out := &Snapshot{Unknown: map[string]int{}}
	var hashed []hashedFile
	var firstErr error
	for i, r := range results {
		if errs[i] != nil {
			if !opt.SkipInvalid {
				return nil, errs[i]
			}
			firstErr = cmp.Or(firstErr, errs[i])
			// The converter writes File before Msg: the error names the file once, not twice.
			msg := strings.TrimPrefix(errs[i].Error(), files[i].path+": ")
			out.Notes = append(out.Notes, Note{Code: "Skipped", File: files[i].path, Msg: msg})
			continue
		}
		out.Merge(r)
		out.Info.Sources = append(out.Info.Sources, files[i].path)
		hashed = append(hashed, hashedFile{files[i].name, sums[i]})
	}
	if err := noNetwork(paths, out, firstErr); err != nil {
		return nil, err
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

// parallel runs f(0..n-1) on at most GOMAXPROCS goroutines. A panic in f becomes a
// *PanicError naming the file (name(i)) instead of killing the process from a goroutine that
// nobody can recover (cli.md: an internal error is exit 1, never 2).
func parallel(n int, f func(i int), name func(i int) string) error {
	workers := min(runtime.GOMAXPROCS(0), n)
	next := make(chan int)
	var wg sync.WaitGroup
	var once sync.Once
	var panicked error
	for range workers {
		wg.Go(func() {
			for i := range next {
				func() {
					defer func() {
						if r := recover(); r != nil {
							once.Do(func() { panicked = &PanicError{File: name(i), Value: r, Stack: debug.Stack()} })
						}
					}()
					f(i)
				}()
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	return panicked
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
	s.ConnectivityConfigs = append(s.ConnectivityConfigs, o.ConnectivityConfigs...)
	s.AVNMDeployments = append(s.AVNMDeployments, o.AVNMDeployments...)
	s.NetAppVolumes = append(s.NetAppVolumes, o.NetAppVolumes...)
	s.AppGateways = append(s.AppGateways, o.AppGateways...)
	s.ServiceTags = append(s.ServiceTags, o.ServiceTags...)
	s.DNS.merge(&o.DNS)
	s.BGP.merge(&o.BGP)
	s.VWAN.merge(&o.VWAN)
	if s.Unknown == nil {
		s.Unknown = map[string]int{}
	}
	for k, n := range o.Unknown {
		s.Unknown[k] += n
	}
	s.Notes = append(s.Notes, o.Notes...)
	s.resources += o.resources
	s.empty = append(s.empty, o.empty...)
}
