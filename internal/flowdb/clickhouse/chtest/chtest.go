// Package chtest starts a private clickhouse-server for tests: on loopback, on free ports, with
// its data in a temporary directory, as the user running the tests (no root, no system
// service). One server serves a whole test binary; each test takes a database of its own.
//
// Tests skip with a message saying what to install when the server binary is missing or does
// not start, and fail instead when VNETDOCTOR_CLICKHOUSE_REQUIRED=1 (CI sets it).
package chtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// Server is a running clickhouse-server.
type Server struct {
	Native string // host:port of the native protocol (what the store speaks)
	HTTP   string // host:port of the HTTP interface
	dir    string
	cmd    *exec.Cmd
	done   chan struct{}
}

var (
	once   sync.Once
	shared *Server
	errRun error
	dbSeq  atomic.Int64
)

// Required reports whether tests must fail rather than skip when no server can be had.
func Required() bool { return os.Getenv("VNETDOCTOR_CLICKHOUSE_REQUIRED") == "1" }

// Require returns the test binary's server, starting it on first use; it skips t (or fails
// it, when Required) when no server can start.
func Require(t testing.TB) *Server {
	t.Helper()
	once.Do(func() { shared, errRun = Start() })
	if errRun != nil {
		if Required() {
			t.Fatalf("ClickHouse is required (VNETDOCTOR_CLICKHOUSE_REQUIRED=1): %v", errRun)
		}
		t.Skipf("skipping the ClickHouse store test: %v", errRun)
	}
	return shared
}

// RequireOwn starts a server for t alone, stopped when t ends: for test binaries without a
// TestMain that calls Stop. It skips or fails t as Require does.
func RequireOwn(t testing.TB) *Server {
	t.Helper()
	s, err := Start()
	if err != nil {
		if Required() {
			t.Fatalf("ClickHouse is required (VNETDOCTOR_CLICKHOUSE_REQUIRED=1): %v", err)
		}
		t.Skipf("skipping the ClickHouse test: %v", err)
	}
	t.Cleanup(s.Stop)
	return s
}

// Stop stops the server Require started, if any: call it from TestMain after m.Run.
func Stop() {
	if shared != nil {
		shared.Stop()
	}
}

// URL is a clickhouse:// URL for a new database on s, unique within the test binary (the
// store creates it).
func (s *Server) URL(t testing.TB) string {
	name := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return '_'
	}, t.Name())
	return fmt.Sprintf("clickhouse://%s/t%d_%.40s", s.Native, dbSeq.Add(1), name)
}

// binary finds the server: Debian's clickhouse-server (in /usr/sbin, often not on a user's
// PATH) or the single clickhouse binary of upstream packages ("clickhouse server").
func binary() ([]string, error) {
	if p, err := exec.LookPath("clickhouse-server"); err == nil {
		return []string{p}, nil
	}
	if _, err := os.Stat("/usr/sbin/clickhouse-server"); err == nil {
		return []string{"/usr/sbin/clickhouse-server"}, nil
	}
	if p, err := exec.LookPath("clickhouse"); err == nil {
		return []string{p, "server"}, nil
	}
	return nil, errors.New("no clickhouse-server binary (looked in PATH and /usr/sbin): install one, e.g. apt-get install clickhouse-server")
}

// freePorts returns n distinct free TCP ports on 127.0.0.1. Another process may take one
// before the server binds it; Start then fails with the server's log.
func freePorts(n int) ([]int, error) {
	var ports []int
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// config is the whole server configuration: loopback only, our ports, our directory, UTC,
// small caches (the machine is shared), one passwordless default user reachable from
// loopback. Element names are those of 18.16 (Debian bookworm) and still read by current
// servers.
const config = `<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>{dir}/server.log</log><errorlog>{dir}/server.err.log</errorlog></logger>
  <listen_host>127.0.0.1</listen_host>
  <tcp_port>{tcp}</tcp_port>
  <http_port>{http}</http_port>
  <path>{dir}/data/</path>
  <tmp_path>{dir}/tmp/</tmp_path>
  <user_files_path>{dir}/user_files/</user_files_path>
  <format_schema_path>{dir}/format_schemas/</format_schema_path>
  <mark_cache_size>268435456</mark_cache_size>
  <uncompressed_cache_size>268435456</uncompressed_cache_size>
  <users_config>{dir}/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
  <mlock_executable>false</mlock_executable>
</yandex>
`

const users = `<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>4000000000</max_memory_usage></default></profiles>
  <users><default><password></password><networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
    <profile>default</profile><quota>default</quota></default></users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors>
    <result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
</yandex>
`

// Start starts a server and waits until it answers (at most a minute).
func Start() (*Server, error) {
	bin, err := binary()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "vnetdoctor-clickhouse-")
	if err != nil {
		return nil, err
	}
	ports, err := freePorts(2)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	r := strings.NewReplacer("{dir}", dir, "{tcp}", strconv.Itoa(ports[0]), "{http}", strconv.Itoa(ports[1]))
	if err := errors.Join(os.WriteFile(filepath.Join(dir, "config.xml"), []byte(r.Replace(config)), 0o600),
		os.WriteFile(filepath.Join(dir, "users.xml"), []byte(users), 0o600)); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	out, err := os.Create(filepath.Join(dir, "stdout.log"))
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	defer out.Close()
	cmd := exec.Command(bin[0], append(bin[1:], "--config-file="+filepath.Join(dir, "config.xml"))...)
	cmd.Dir, cmd.Stdout, cmd.Stderr = dir, out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // a Ctrl-C of go test does not reach it first
	if err := cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("start %s: %v", bin[0], err)
	}
	s := &Server{Native: fmt.Sprintf("127.0.0.1:%d", ports[0]), HTTP: fmt.Sprintf("127.0.0.1:%d", ports[1]),
		dir: dir, cmd: cmd, done: make(chan struct{})}
	go func() { cmd.Wait(); close(s.done) }()
	if err := s.wait(time.Minute); err != nil {
		s.Stop()
		return nil, err
	}
	return s, nil
}

// wait polls the HTTP interface's /ping until it answers "Ok.", the server exits or the time
// is up; a failure carries the end of the server's log.
func (s *Server) wait(limit time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+s.HTTP+"/ping", nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if bytes.HasPrefix(body, []byte("Ok.")) {
				return nil
			}
		}
		select {
		case <-s.done:
			return fmt.Errorf("clickhouse-server exited at start: %s", s.logTail())
		case <-ctx.Done():
			return fmt.Errorf("clickhouse-server did not answer within %v: %s", limit, s.logTail())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func (s *Server) logTail() string {
	var b []byte
	for _, f := range []string{"stdout.log", "server.err.log"} {
		d, _ := os.ReadFile(filepath.Join(s.dir, f))
		b = append(b, d...)
	}
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return strings.TrimSpace(string(b))
}

// Stop terminates the server (SIGTERM, then SIGKILL after 15 s) and removes its directory.
func (s *Server) Stop() {
	if s.cmd.Process != nil {
		s.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-s.done:
		case <-time.After(15 * time.Second):
			s.cmd.Process.Kill()
			<-s.done
		}
	}
	os.RemoveAll(s.dir)
}
