package manifests

import (
	"archive/tar"
	"compress/gzip"
	"crypto/sha256"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/stretchr/testify/require"

	"github.com/meshwasm/meshwasm/build/image"
	"github.com/meshwasm/meshwasm/build/wasmtest"
)

// packImage runs `meshwasm image` on module as the Makefile does and
// returns the layout directory and the digest file's content.
func packImage(t *testing.T, name string, module []byte, extra ...string) (string, string) {
	t.Helper()
	work := t.TempDir()
	wasmPath := filepath.Join(work, "plugin.wasm")
	require.NoError(t, os.WriteFile(wasmPath, module, 0o644))
	layoutDir := filepath.Join(work, "image")
	args := append([]string{"image", wasmPath, "-name", name, "-o", layoutDir, "-digest-file", filepath.Join(work, "image.digest"),
		"-version", "v1.0.0", "-revision", "0123abcd", "-source", "https://example.com/meshwasm", "-description", "meshwasm " + name}, extra...)
	out := meshwasm(t, args...)
	digest := strings.TrimSpace(string(readFile(t, filepath.Join(work, "image.digest"))))
	require.Regexp(t, `^sha256:[0-9a-f]{64}$`, digest)
	require.Regexp(t, `^`+name+`: wasm [0-9.]+ [kM]B -> image `+digest+` \(`, out, "one progress line")
	return layoutDir, digest
}

// layoutFiles maps every file of a layout to its content's hash.
func layoutFiles(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	require.NoError(t, filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		files[rel] = fmt.Sprintf("%x", sha256.Sum256(b))
		return nil
	}))
	return files
}

// The same module and declared version/revision give the same image, byte
// for byte, whenever and wherever it is built.
func TestImage_Reproducible(t *testing.T) {
	eachFilter(t, func(t *testing.T, name string) {
		module := wasmtest.Module(t, filterDir(name))
		variants := [][]string{nil, {"-artifact"}}
		first := map[int][2]string{}
		for i, variant := range variants {
			dir, digest := packImage(t, name, module, variant...)
			first[i] = [2]string{dir, digest}
		}
		time.Sleep(1100 * time.Millisecond) // a clock in the image would show
		for i, variant := range variants {
			dirA, digestA := first[i][0], first[i][1]
			dirB, digestB := packImage(t, name, module, variant...)
			require.Equal(t, digestA, digestB, "%v", variant)
			require.Equal(t, layoutFiles(t, dirA), layoutFiles(t, dirB), "the layouts are identical")

			// The declared revision is part of the image.
			_, digestC := packImage(t, name, module, append(variant, "-revision", "4567cdef")...)
			require.NotEqual(t, digestA, digestC)

			// A second, independent reader of the layout agrees on the digest.
			if raw, ok := skopeo(t, "inspect", "--raw", "oci:"+dirA); ok {
				require.Equal(t, digestA, fmt.Sprintf("sha256:%x", sha256.Sum256(raw)))
			}
		}
	})
}

// What Istio's fetcher and registries see in the default (compat) image.
func TestImage_Compat(t *testing.T) {
	eachFilter(t, func(t *testing.T, name string) {
		module := wasmtest.Module(t, filterDir(name))
		dir, digest := packImage(t, name, module)
		img, err := image.ReadLayout(dir)
		require.NoError(t, err)
		require.NoError(t, image.Check(img))
		got, err := img.Digest()
		require.NoError(t, err)
		require.Equal(t, digest, got.String())

		m, err := img.Manifest()
		require.NoError(t, err)
		require.Equal(t, types.OCIManifestSchema1, m.MediaType, "an OCI manifest...")
		require.Equal(t, types.OCIConfigJSON, m.Config.MediaType, "...with an OCI config...")
		require.Len(t, m.Layers, 1, "FROM scratch, one layer")
		require.Equal(t, types.OCILayer, m.Layers[0].MediaType, "...and an OCI tar+gzip layer: no Docker type mixed in")
		require.Equal(t, map[string]string{
			"org.opencontainers.image.title":       name,
			"org.opencontainers.image.description": "meshwasm " + name,
			"org.opencontainers.image.source":      "https://example.com/meshwasm",
			"org.opencontainers.image.version":     "v1.0.0",
			"org.opencontainers.image.revision":    "0123abcd",
			"module.wasm.image/variant":            "compat",
		}, m.Annotations)

		cfg, err := img.ConfigFile()
		require.NoError(t, err)
		require.True(t, cfg.Created.IsZero(), "no creation time")
		for _, h := range cfg.History {
			require.True(t, h.Created.IsZero(), "no creation time in the history")
		}

		layers, err := img.Layers()
		require.NoError(t, err)
		rc, err := layers[0].Compressed()
		require.NoError(t, err)
		defer rc.Close()
		gz, err := gzip.NewReader(rc)
		require.NoError(t, err)
		require.True(t, gz.ModTime.IsZero(), "no time in the gzip header")
		require.Empty(t, gz.Name, "no file name in the gzip header")
		tr := tar.NewReader(gz)
		h, err := tr.Next()
		require.NoError(t, err)
		require.Equal(t, "plugin.wasm", h.Name)
		require.Equal(t, byte(tar.TypeReg), h.Typeflag)
		require.Equal(t, int64(0o644), h.Mode)
		require.Zero(t, h.Uid)
		require.Zero(t, h.Gid)
		require.Empty(t, h.Uname)
		require.Empty(t, h.Gname)
		require.Zero(t, h.ModTime.Unix(), "mtime is the epoch")
		require.True(t, h.AccessTime.IsZero())
		require.True(t, h.ChangeTime.IsZero())
		require.Empty(t, h.PAXRecords)
		body, err := io.ReadAll(tr)
		require.NoError(t, err)
		require.Equal(t, module, body)
		_, err = tr.Next()
		require.Equal(t, io.EOF, err, "one entry only")
	})
}

// The optional wasm-artifact variant, in the only shape Istio accepts.
func TestImage_Artifact(t *testing.T) {
	eachFilter(t, func(t *testing.T, name string) {
		module := wasmtest.Module(t, filterDir(name))
		dir, _ := packImage(t, name, module, "-artifact")
		img, err := image.ReadLayout(dir)
		require.NoError(t, err)
		require.NoError(t, image.Check(img))
		m, err := img.Manifest()
		require.NoError(t, err)
		require.Equal(t, types.OCIManifestSchema1, m.MediaType)
		require.Equal(t, image.WasmConfigMediaType, m.Config.MediaType)
		require.Len(t, m.Layers, 2, "Istio accepts the artifact variant only with exactly two layers")
		require.Equal(t, image.WasmConfigMediaType, m.Layers[0].MediaType)
		require.Equal(t, image.WasmContentMediaType, m.Layers[1].MediaType)
		require.Equal(t, name, m.Annotations["org.opencontainers.image.title"])
		got, err := image.Extract(img)
		require.NoError(t, err)
		require.Equal(t, module, got)
	})
}
