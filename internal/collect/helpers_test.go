package collect

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vnetdoctor/vnetdoctor/internal/collect/fakeazure"
)

// fixture is a fake Azure serving files and a collection against it.
type fixture struct {
	t    *testing.T
	fake *fakeazure.Server
	out  string
}

func newFixture(t *testing.T, files map[string][]byte, s fakeazure.Script) *fixture {
	t.Helper()
	f, err := fakeazure.New(files, s)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.Close)
	return &fixture{t: t, fake: f, out: filepath.Join(t.TempDir(), "snap")}
}

// options are what `collect --arm-endpoint URL --token-file FILE --subscription ...` builds.
func (fx *fixture) options() Options {
	fx.t.Helper()
	tf := filepath.Join(fx.t.TempDir(), "token.json")
	if err := os.WriteFile(tf, fakeazure.TokenFile(time.Now().Add(time.Hour)), 0o600); err != nil {
		fx.t.Fatal(err)
	}
	cred, err := LoadTokenFile(tf, time.Now())
	if err != nil {
		fx.t.Fatal(err)
	}
	return Options{Subscriptions: fx.fake.Subscriptions(), Out: fx.out, Endpoint: fx.fake.URL, Credential: cred,
		Version: "test", RetryDelay: 10 * time.Millisecond, PollFrequency: 10 * time.Millisecond}
}

func (fx *fixture) run(o Options) (*Manifest, error) {
	return Run(context.Background(), o)
}

// idsIn returns every resource ID (lower case) in the snapshot files of dir (manifest.json
// and live/ left out), failing on an ID written twice: pages must neither repeat nor skip.
func idsIn(t *testing.T, dir string) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() || info.Name() == "manifest.json" || strings.Contains(filepath.ToSlash(p), "/live/") ||
			strings.HasSuffix(p, "serviceTags.json") {
			return err
		}
		b, _ := os.ReadFile(p)
		var f struct {
			Data, Value []struct{ ID string }
		}
		if err := json.Unmarshal(b, &f); err != nil {
			t.Errorf("%s: %v", p, err)
		}
		for _, r := range append(f.Data, f.Value...) {
			id := strings.ToLower(r.ID)
			if out[id] {
				t.Errorf("%s: %s written twice", p, r.ID)
			}
			out[id] = true
		}
		return nil
	})
	return out
}

// baseline collects files with no failure scripted and returns the IDs collected.
func baseline(t *testing.T, files map[string][]byte) map[string]bool {
	t.Helper()
	fx := newFixture(t, files, fakeazure.Script{})
	if m, err := fx.run(fx.options()); err != nil || !m.Complete() {
		t.Fatalf("baseline: %v %+v", err, m)
	}
	return idsIn(t, fx.out)
}

// inSubs keeps the IDs of the given subscriptions.
func inSubs(ids map[string]bool, subs ...string) map[string]bool {
	out := map[string]bool{}
	for id := range ids {
		for _, s := range subs {
			if strings.HasPrefix(id, "/subscriptions/"+strings.ToLower(s)+"/") {
				out[id] = true
			}
		}
	}
	return out
}

func readManifest(t *testing.T, dir string) *Manifest {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return &m
}

func writeFileBytes(p string, b []byte) error { return os.WriteFile(p, b, 0o600) }
