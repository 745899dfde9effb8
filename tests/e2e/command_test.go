package e2e

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/meshwasm/meshwasm/build/wasmtest"
)

var (
	binOnce sync.Once
	binPath string
	binErr  error
	binDir  string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// meshwasm builds the meshwasm command once per test binary.
func meshwasm(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		if binDir, binErr = os.MkdirTemp("", "meshwasm-e2e-"); binErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "meshwasm")
		cmd := exec.Command("go", "build", "-o", binPath, "./cmd/meshwasm")
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			binErr = fmt.Errorf("go build: %w\n%s", err, out)
		}
	})
	require.NoError(t, binErr)
	return binPath
}

// moduleDir writes the filter's module as DIR/plugin.wasm, with its
// wasmplugin.yaml beside it (where `meshwasm run FILE.wasm` looks for the
// default configuration), and returns the module's path.
func moduleDir(t *testing.T, name string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.MkdirAll(dir, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "plugin.wasm"), wasmtest.Module(t, filterDir(name)), 0o644))
	wp, err := os.ReadFile(filepath.Join(filterDir(name), "wasmplugin.yaml"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "wasmplugin.yaml"), wp, 0o644))
	return filepath.Join(dir, "plugin.wasm")
}

// running is a `meshwasm run` process.
type running struct {
	cmd    *exec.Cmd
	url    string
	line   string
	stderr *syncBuffer
	done   chan error
}

var listening = regexp.MustCompile(`on (http://127\.0\.0\.1:[0-9]+) `)

// run starts `meshwasm run ARGS -listen 127.0.0.1:0` and waits for its
// line; the process is killed at cleanup if still running.
func run(t *testing.T, wait time.Duration, args ...string) *running {
	t.Helper()
	cmd := exec.Command(meshwasm(t), append([]string{"run", "-listen", "127.0.0.1:0"}, args...)...)
	cmd.Dir = root
	r := &running{cmd: cmd, stderr: &syncBuffer{}, done: make(chan error, 1)}
	cmd.Stderr = r.stderr
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		err := <-r.done
		_ = err // killed here, or stopped by the test already
	})
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		if sc.Scan() {
			lines <- sc.Text()
		}
		_, _ = io.Copy(io.Discard, stdout)
		r.done <- cmd.Wait()
	}()
	select {
	case r.line = <-lines:
	case err := <-r.done:
		r.done <- err
		t.Fatalf("meshwasm run exited before listening: %v\n%s", err, r.stderr.String())
	case <-time.After(wait):
		t.Fatalf("meshwasm run did not listen within %s\n%s", wait, r.stderr.String())
	}
	m := listening.FindStringSubmatch(r.line)
	require.NotNil(t, m, r.line)
	r.url = m[1]
	return r
}

// stop sends SIGTERM and requires a clean exit.
func (r *running) stop(t *testing.T) {
	t.Helper()
	require.NoError(t, r.cmd.Process.Signal(syscall.SIGTERM))
	select {
	case err := <-r.done:
		r.done <- err
		require.NoError(t, err, r.stderr.String())
	case <-time.After(15 * time.Second):
		t.Fatalf("meshwasm run did not stop on SIGTERM\n%s", r.stderr.String())
	}
}

// The command with a module file and the wasmplugin.yaml beside it, as a
// user runs dist/<filter>/plugin.wasm: the done-when curl, then SIGTERM.
func TestCommand_AddHeader(t *testing.T) {
	r := run(t, time.Minute, moduleDir(t, "addheader"))
	require.Contains(t, r.line, "meshwasm run: addheader (configuration: ")
	require.Contains(t, r.line, "-> built-in echo upstream http://127.0.0.1:")
	res, body := do(t, client(), "GET", r.url+"/", map[string]string{"x-debug-token": "s"}, nil)
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Equal(t, "meshwasm", res.Header.Get("X-Served-By"))
	e := parseEcho(t, body)
	require.Equal(t, []string{"prod"}, e.headers["x-environment"])
	require.NotContains(t, e.headers, "x-debug-token")
	r.stop(t)
}

// The command given a filter's directory builds it first, as make run
// does.
func TestCommand_DirectoryRegexRepl(t *testing.T) {
	r := run(t, 3*time.Minute, filepath.Join("filters", "regexrepl"))
	require.Contains(t, r.line, "meshwasm run: regexrepl (configuration: filters/regexrepl/wasmplugin.yaml")
	res, body := do(t, client(), "GET", r.url+"/banana/7", nil, nil)
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Equal(t, "GET /status/7 HTTP/1.1", parseEcho(t, body).line)
	r.stop(t)
}

// A configuration the plugin refuses: the command exits non-zero, and the
// plugin's one error line says why.
func TestCommand_BadConfig(t *testing.T) {
	module := moduleDir(t, "addheader")
	bad := filepath.Join(t.TempDir(), "bad.json")
	require.NoError(t, os.WriteFile(bad, []byte(`{"request": {"sett": {"x-a": "1"}}}`), 0o644))
	cmd := exec.Command(meshwasm(t), "run", module, "-config", bad, "-listen", "127.0.0.1:0")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	done := make(chan error, 1)
	require.NoError(t, cmd.Start())
	go func() { done <- cmd.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-time.After(time.Minute):
		_ = cmd.Process.Kill()
		t.Fatalf("meshwasm run did not exit:\n%s", stderr.String())
	}
	var exit *exec.ExitError
	require.ErrorAs(t, err, &exit, stderr.String())
	require.Equal(t, 1, exit.ExitCode())
	require.Empty(t, stdout.String(), "it never listened")
	var errorLines []string
	for _, line := range strings.Split(strings.TrimSpace(stderr.String()), "\n") {
		if strings.Contains(line, "[error] wasm log addheader:") {
			errorLines = append(errorLines, line)
		}
	}
	require.Len(t, errorLines, 1, stderr.String())
	require.Contains(t, errorLines[0], "addheader: invalid configuration: ")
	require.Contains(t, errorLines[0], "sett")
	require.Contains(t, stderr.String(), "meshwasm run: plugin addheader refused its configuration from "+bad)
}

func TestCommand_Usage(t *testing.T) {
	for _, args := range [][]string{{"run"}, {"run", "a", "b"}, {"run", "x.wasm", "-cluster", "nourl"}, {"run", "x.wasm", "-upstream", "ftp://h"}} {
		out, err := exec.Command(meshwasm(t), args...).CombinedOutput()
		require.Error(t, err, "%v: %s", args, out)
	}
}
