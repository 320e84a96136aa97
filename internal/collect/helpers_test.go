package collect

import (
	"context"
	"os"
	"path/filepath"
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
