package manifests

import (
	"context"
	"crypto/sha256"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/meshwasm/meshwasm/build/image"
	oci "github.com/meshwasm/meshwasm/build/registry"
	"github.com/meshwasm/meshwasm/build/wasmtest"
)

// startRegistry runs Debian's docker-registry (the CNCF distribution server)
// on a free loopback port with its storage in a temporary directory, and
// returns its host:port. Without the binary the test skips, except in CI
// (CI=true), where .ci/run installs it and its absence is a failure.
func startRegistry(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("docker-registry")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("docker-registry is not installed (apt-get install docker-registry); CI must run the registry round trip")
		}
		t.Skip("docker-registry not installed (apt-get install docker-registry); CI runs this test")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())

	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.yml")
	require.NoError(t, os.WriteFile(cfg, []byte(fmt.Sprintf(`version: 0.1
log:
  level: error
storage:
  filesystem:
    rootdirectory: %s
  delete:
    enabled: true
http:
  addr: %s
`, filepath.Join(dir, "storage"), addr)), 0o644))

	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, "serve", cfg)
	var logs strings.Builder
	cmd.Stdout, cmd.Stderr = &logs, &logs
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		cancel()
		_ = cmd.Wait()
	})
	deadline := time.Now().Add(15 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/v2/")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return addr
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("registry on %s did not come up: %v\n%s", addr, err, logs.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Every filter's image goes to a real registry with `meshwasm push` (as
// `make push` does) and comes back with a byte-identical plugin.wasm, under
// the digest the generated WasmPlugin pins.
func TestRegistry_RoundTrip(t *testing.T) {
	registry := startRegistry(t)
	eachFilter(t, func(t *testing.T, name string) {
		module := wasmtest.Module(t, filterDir(name))
		for _, variant := range []struct {
			name string
			args []string
		}{{"compat", nil}, {"artifact", []string{"-artifact"}}} {
			t.Run(variant.name, func(t *testing.T) {
				layoutDir, digest := packImage(t, name, module, variant.args...)
				ref := registry + "/meshwasm/" + name + ":test-" + variant.name
				manifestOut := filepath.Join(t.TempDir(), "wasmplugin.yaml")
				out := meshwasm(t, "push", layoutDir, "-ref", ref, "-insecure",
					"-manifest-template", filepath.Join(filterDir(name), "wasmplugin.yaml"), "-manifest-out", manifestOut)
				pinned := ref + "@" + digest
				require.Equal(t, name+": pushed "+pinned+" -> "+manifestOut+"\n", out)
				_, spec := validateWasmPlugin(t, readFile(t, manifestOut))
				require.Equal(t, "oci://"+pinned, spec.GetUrl())
				require.Equal(t, strings.TrimPrefix(digest, "sha256:"), spec.GetSha256())

				for _, r := range []string{ref, pinned} {
					img, err := oci.Pull(context.Background(), r, true)
					require.NoError(t, err)
					got, err := img.Digest()
					require.NoError(t, err)
					require.Equal(t, digest, got.String(), "the registry serves the digest the manifest pins")
					require.NoError(t, image.Check(img), "Istio's fetcher accepts what the registry serves")
					wasm, err := image.Extract(img)
					require.NoError(t, err)
					require.Equal(t, module, wasm, "plugin.wasm comes back byte-identical")
				}

				// A second, independent client sees the same manifest.
				if raw, ok := skopeo(t, "inspect", "--raw", "--tls-verify=false", "docker://"+ref); ok {
					require.Equal(t, digest, fmt.Sprintf("sha256:%x", sha256.Sum256(raw)))
				}
			})
		}
	})
}

// A filter outside this repository, written for TinyGo, goes through the
// documented route: meshwasm build, image, push.
func TestRegistry_ExternalFilter(t *testing.T) {
	registry := startRegistry(t)
	work := t.TempDir()
	filter := filepath.Join(work, "myfilter")
	require.NoError(t, os.MkdirAll(filter, 0o755))
	src := filepath.Join(root, "tests", "migration", "testdata", "tutorial")
	entries, err := os.ReadDir(src)
	require.NoError(t, err)
	for _, e := range entries {
		if e.Type().IsRegular() {
			require.NoError(t, os.WriteFile(filepath.Join(filter, e.Name()), readFile(t, filepath.Join(src, e.Name())), 0o644))
		}
	}
	wasmPath := filepath.Join(work, "plugin.wasm")
	meshwasm(t, "build", filter, "-o", wasmPath)
	meshwasm(t, "image", wasmPath, "-name", "myfilter", "-o", filepath.Join(work, "image"))
	require.FileExists(t, filepath.Join(work, "image.digest"), "the digest file defaults to beside the layout")
	out := meshwasm(t, "push", filepath.Join(work, "image"), "-ref", registry+"/team/myfilter:v1", "-insecure")
	require.Regexp(t, `^myfilter: pushed `+registry+`/team/myfilter:v1@sha256:[0-9a-f]{64}\n$`, out)

	img, err := oci.Pull(context.Background(), registry+"/team/myfilter:v1", true)
	require.NoError(t, err)
	got, err := image.Extract(img)
	require.NoError(t, err)
	require.Equal(t, readFile(t, wasmPath), got)
}
