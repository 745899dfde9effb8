package workflows

import (
	"bufio"
	"bytes"
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
)

// makeWithout runs make in the repository root with a PATH that holds only
// make itself, so neither envoy, func-e nor tinygo can be found whatever the
// machine has installed.
func makeWithout(t *testing.T, args ...string) (string, error) {
	t.Helper()
	mk, err := exec.LookPath("make")
	require.NoError(t, err)
	bin := t.TempDir()
	require.NoError(t, os.Symlink(mk, filepath.Join(bin, "make")))
	cmd := exec.Command(filepath.Join(bin, "make"), append([]string{"--no-print-directory"}, args...)...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "PATH="+bin)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// Without envoy or func-e, make run runs the filter in meshwasm run with
// the make variables as its flags (make -n prints the command).
func TestMakeRun_WithoutEnvoy(t *testing.T) {
	out, err := makeWithout(t, "-n", "run", "FILTER=addheader", "LISTEN=127.0.0.1:18080",
		"UPSTREAM=http://127.0.0.1:8080", "CONFIG=my.json", "CLUSTERS=auth=http://127.0.0.1:9000,b=http://127.0.0.1:9001")
	require.NoError(t, err, out)
	require.Contains(t, out, "neither envoy nor func-e is on PATH: running the filter in meshwasm run")
	require.Contains(t, out, "exec dist/bin/meshwasm run filters/addheader -listen 127.0.0.1:18080 -upstream http://127.0.0.1:8080 "+
		"-config my.json -cluster auth=http://127.0.0.1:9000,b=http://127.0.0.1:9001\n")

	out, err = makeWithout(t, "-n", "run", "FILTER=regexrepl")
	require.NoError(t, err, out)
	require.Contains(t, out, "exec dist/bin/meshwasm run filters/regexrepl -listen 127.0.0.1:10000\n")
}

// For real: with only make, go and mkdir on PATH (no envoy), make run
// builds the filter and serves it; curl's request shows the filter's edits.
func TestMakeRun_WithoutEnvoy_Serves(t *testing.T) {
	bin := t.TempDir()
	for _, tool := range []string{"make", "go", "mkdir"} {
		p, err := exec.LookPath(tool)
		require.NoError(t, err)
		require.NoError(t, os.Symlink(p, filepath.Join(bin, tool)))
	}
	cmd := exec.Command(filepath.Join(bin, "make"), "--no-print-directory", "run", "FILTER=addheader", "LISTEN=127.0.0.1:0")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "PATH="+bin)
	// Its own process group, so that SIGTERM reaches meshwasm under make.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	var stderr syncBuffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	done := make(chan error, 1)
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "meshwasm run: ") {
				lines <- sc.Text()
			}
		}
		done <- cmd.Wait()
	}()
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	})
	var line string
	select {
	case line = <-lines:
	case err := <-done:
		t.Fatalf("make run exited: %v\n%s", err, stderr.String())
	case <-time.After(3 * time.Minute):
		t.Fatalf("make run did not serve within 3 minutes\n%s", stderr.String())
	}
	m := regexp.MustCompile(`on (http://127\.0\.0\.1:[0-9]+) `).FindStringSubmatch(line)
	require.NotNil(t, m, line)

	req, err := http.NewRequest(http.MethodGet, m[1]+"/", nil)
	require.NoError(t, err)
	req.Header.Set("x-debug-token", "s")
	res, err := (&http.Client{Timeout: 20 * time.Second}).Do(req)
	require.NoError(t, err)
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	require.NoError(t, err)
	require.Equal(t, "meshwasm", res.Header.Get("X-Served-By"))
	require.Contains(t, string(body), "\nx-environment: prod\n")
	require.NotContains(t, string(body), "x-debug-token")

	require.NoError(t, syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM))
	select {
	case err := <-done:
		// make reports the signal its child stopped on, or meshwasm's
		// clean exit; either way meshwasm has stopped.
		_ = err
	case <-time.After(20 * time.Second):
		t.Fatalf("make run did not stop on SIGTERM\n%s", stderr.String())
	}
	require.Contains(t, stderr.String(), "neither envoy nor func-e is on PATH")
}

// syncBuffer collects a process's output written from its goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestMakeRun_UnknownFilter(t *testing.T) {
	for _, args := range [][]string{{"run"}, {"run", "FILTER=nosuch"}} {
		out, err := makeWithout(t, args...)
		require.Error(t, err, out)
		require.Contains(t, out, "FILTER must name a filter: addheader")
	}
}

func TestMakeTinyGo_WithoutTinyGo(t *testing.T) {
	for _, target := range []string{"all", "wasm-addheader"} {
		out, err := makeWithout(t, "TOOLCHAIN=tinygo", target)
		require.Error(t, err, out)
		require.Contains(t, out, "TOOLCHAIN=tinygo: tinygo is not on PATH")
	}
}

// TestMakeHelp checks that help has one line for every target the Makefile
// defines, the per-filter ones shown once as <filter>.
func TestMakeHelp(t *testing.T) {
	cmd := exec.Command("make", "--no-print-directory", "help")
	cmd.Dir = root
	raw, err := cmd.CombinedOutput()
	out := string(raw)
	require.NoError(t, err, out)
	listed := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if f := strings.Fields(line); len(f) > 1 && !strings.HasPrefix(f[0], "(") {
			require.False(t, listed[f[0]], "%s listed twice", f[0])
			listed[f[0]] = true
		}
	}
	src, err := os.ReadFile(filepath.Join(root, "Makefile"))
	require.NoError(t, err)
	rule := regexp.MustCompile(`(?m)^([a-z][a-z0-9-]*|[a-z-]*\$\(1\)):`)
	var targets []string
	for _, m := range rule.FindAllStringSubmatch(string(src), -1) {
		targets = append(targets, strings.ReplaceAll(m[1], "$(1)", "<filter>"))
	}
	require.Contains(t, targets, "push-<filter>")
	for _, target := range targets {
		require.True(t, listed[target], "make help does not list %s", target)
	}
	require.Contains(t, out, "<filter> is one of: addheader")
}

// With tinygo on PATH, the per-filter build hands the toolchain to meshwasm.
func TestMakeTinyGo_WithTinyGo(t *testing.T) {
	bin := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(bin, "tinygo"), []byte("#!/bin/sh\nexit 1\n"), 0o755))
	cmd := exec.Command("make", "--no-print-directory", "-n", "TOOLCHAIN=tinygo", "wasm-addheader")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, string(out))
	require.Contains(t, string(out), "dist/bin/meshwasm-offline build filters/addheader -o dist/addheader/plugin.wasm -toolchain tinygo")
}

// TAGS= and ENVOY_VERSION= reach meshwasm build as -tags and -envoy.
func TestMakeBuild_TagsAndEnvoyVersion(t *testing.T) {
	cmd := exec.Command("make", "--no-print-directory", "-n", "TAGS=a,b", "ENVOY_VERSION=1.38", "wasm-addheader")
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, string(out))
	require.Contains(t, string(out), "dist/bin/meshwasm-offline build filters/addheader -o dist/addheader/plugin.wasm -toolchain go -tags a,b -envoy 1.38\n")
}

// With envoy (or only func-e) on PATH, make run builds the filter and starts
// it with the filter's envoy.yaml. make -n still runs that recipe line, which
// calls $(MAKE), but its sub-make only prints the build.
func TestMakeRun_WithEnvoy(t *testing.T) {
	for name, want := range map[string]string{"envoy": "-c filters/addheader/envoy.yaml -l debug\n", "func-e": "run -c filters/addheader/envoy.yaml -l debug\n"} {
		t.Run(name, func(t *testing.T) {
			bin := t.TempDir()
			args := filepath.Join(bin, "args")
			script := "#!/bin/sh\necho \"$*\" > " + args + "\n"
			require.NoError(t, os.WriteFile(filepath.Join(bin, name), []byte(script), 0o755))
			mk, err := exec.LookPath("make")
			require.NoError(t, err)
			require.NoError(t, os.Symlink(mk, filepath.Join(bin, "make")))
			cmd := exec.Command(filepath.Join(bin, "make"), "--no-print-directory", "-n", "run", "FILTER=addheader", "ENVOY_ARGS=-l debug")
			cmd.Dir = root
			// Only make and the stand-in: never a real envoy.
			cmd.Env = append(os.Environ(), "PATH="+bin)
			out, err := cmd.CombinedOutput()
			require.NoError(t, err, string(out))
			require.Contains(t, string(out), "build filters/addheader -o dist/addheader/plugin.wasm")
			got, err := os.ReadFile(args)
			require.NoError(t, err, string(out))
			require.Equal(t, want, string(got))
		})
	}
}
