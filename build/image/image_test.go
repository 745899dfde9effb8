package image

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/stretchr/testify/require"
)

// module is a minimal valid wasm module (header only); the image code does
// not look past the magic number.
var module = []byte("\x00asm\x01\x00\x00\x00")

var opts = Options{Name: "addheader", Description: "test", Source: "https://example.com/meshwasm", Version: "v1.2.3", Revision: "abc123"}

func TestImage_Reproducible(t *testing.T) {
	first := map[bool]v1.Image{}
	for _, artifact := range []bool{false, true} {
		o := opts
		o.Artifact = artifact
		img, err := Build(module, o)
		require.NoError(t, err)
		first[artifact] = img
	}
	time.Sleep(1100 * time.Millisecond) // a clock that leaked into the image would show
	for _, artifact := range []bool{false, true} {
		o := opts
		o.Artifact = artifact
		a := first[artifact]
		b, err := Build(module, o)
		require.NoError(t, err)
		da, err := a.Digest()
		require.NoError(t, err)
		db, err := b.Digest()
		require.NoError(t, err)
		require.Equal(t, da, db)

		// Through a layout on disk, twice, in different places.
		d1, err := WriteLayout(filepath.Join(t.TempDir(), "image"), a)
		require.NoError(t, err)
		d2, err := WriteLayout(filepath.Join(t.TempDir(), "other"), b)
		require.NoError(t, err)
		require.Equal(t, d1, d2)
		require.Equal(t, da, d1)

		// Another version is another image.
		o.Version = "v1.2.4"
		c, err := Build(module, o)
		require.NoError(t, err)
		dc, err := c.Digest()
		require.NoError(t, err)
		require.NotEqual(t, da, dc)
	}
}

func TestImage_Compat(t *testing.T) {
	img, err := Build(module, opts)
	require.NoError(t, err)
	m, err := img.Manifest()
	require.NoError(t, err)
	require.Equal(t, types.OCIManifestSchema1, m.MediaType)
	require.Equal(t, types.OCIConfigJSON, m.Config.MediaType)
	require.Len(t, m.Layers, 1)
	require.Equal(t, types.OCILayer, m.Layers[0].MediaType)
	require.Equal(t, map[string]string{
		"org.opencontainers.image.title":       "addheader",
		"org.opencontainers.image.description": "test",
		"org.opencontainers.image.source":      "https://example.com/meshwasm",
		"org.opencontainers.image.version":     "v1.2.3",
		"org.opencontainers.image.revision":    "abc123",
		"module.wasm.image/variant":            "compat",
	}, m.Annotations)

	cfg, err := img.ConfigFile()
	require.NoError(t, err)
	require.True(t, cfg.Created.IsZero(), "no creation time")

	layers, err := img.Layers()
	require.NoError(t, err)
	rc, err := layers[0].Compressed()
	require.NoError(t, err)
	defer rc.Close()
	gz, err := gzip.NewReader(rc)
	require.NoError(t, err)
	tr := tar.NewReader(gz)
	h, err := tr.Next()
	require.NoError(t, err)
	require.Equal(t, "plugin.wasm", h.Name)
	require.Equal(t, int64(0o644), h.Mode)
	require.Zero(t, h.Uid)
	require.Zero(t, h.Gid)
	require.Empty(t, h.Uname)
	require.Empty(t, h.Gname)
	require.Equal(t, int64(0), h.ModTime.Unix())
	body, err := io.ReadAll(tr)
	require.NoError(t, err)
	require.Equal(t, module, body)
	_, err = tr.Next()
	require.Equal(t, io.EOF, err, "one entry only")

	got, err := Extract(img)
	require.NoError(t, err)
	require.Equal(t, module, got)
	require.NoError(t, Check(img))
}

func TestImage_Artifact(t *testing.T) {
	o := opts
	o.Artifact = true
	img, err := Build(module, o)
	require.NoError(t, err)
	m, err := img.Manifest()
	require.NoError(t, err)
	require.Equal(t, types.OCIManifestSchema1, m.MediaType)
	require.Equal(t, WasmConfigMediaType, m.Config.MediaType)
	require.Len(t, m.Layers, 2, "Istio accepts the artifact variant only with exactly two layers")
	require.Equal(t, WasmConfigMediaType, m.Layers[0].MediaType)
	require.Equal(t, WasmContentMediaType, m.Layers[1].MediaType)
	require.Equal(t, "plugin.wasm", m.Layers[1].Annotations["org.opencontainers.image.title"])
	require.Equal(t, "addheader", m.Annotations["org.opencontainers.image.title"])
	require.NoError(t, Check(img))
	got, err := Extract(img)
	require.NoError(t, err)
	require.Equal(t, module, got)
}

func TestImage_RefusesNonWasm(t *testing.T) {
	_, err := Build([]byte("#!/bin/sh"), opts)
	require.ErrorContains(t, err, "not a wasm module")
}

func TestLayout_RoundTrip(t *testing.T) {
	img, err := Build(module, opts)
	require.NoError(t, err)
	dir := filepath.Join(t.TempDir(), "image")
	want, err := WriteLayout(dir, img)
	require.NoError(t, err)
	// Writing again replaces the layout instead of adding a second image.
	_, err = WriteLayout(dir, img)
	require.NoError(t, err)
	back, err := ReadLayout(dir)
	require.NoError(t, err)
	got, err := back.Digest()
	require.NoError(t, err)
	require.Equal(t, want, got)
	wasm, err := Extract(back)
	require.NoError(t, err)
	require.True(t, bytes.Equal(module, wasm))
}

func TestLayout_RefusesOtherDirectories(t *testing.T) {
	img, err := Build(module, opts)
	require.NoError(t, err)
	dir := t.TempDir()
	keep := filepath.Join(dir, "notes.txt")
	require.NoError(t, os.WriteFile(keep, []byte("mine"), 0o644))
	_, err = WriteLayout(dir, img)
	require.ErrorContains(t, err, "not an OCI image layout")
	require.FileExists(t, keep)
}

// Check holds images to what Istio's fetcher accepts, and to consistent
// media types.
func TestCheck(t *testing.T) {
	tarGz := func(mt types.MediaType, name string) v1.Layer {
		raw, err := singleFileTar(name, module)
		require.NoError(t, err)
		l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
			return io.NopCloser(bytes.NewReader(raw)), nil
		}, tarball.WithMediaType(mt))
		require.NoError(t, err)
		return l
	}
	image := func(manifest, config types.MediaType, layers ...v1.Layer) v1.Image {
		img := mutate.MediaType(empty.Image, manifest)
		img = mutate.ConfigMediaType(img, config)
		for _, l := range layers {
			mt, err := l.MediaType()
			require.NoError(t, err)
			img, err = mutate.Append(img, mutate.Addendum{Layer: l, MediaType: mt})
			require.NoError(t, err)
		}
		return img
	}
	compat, err := Build(module, opts)
	require.NoError(t, err)
	artifactOpts := opts
	artifactOpts.Artifact = true
	artifact, err := Build(module, artifactOpts)
	require.NoError(t, err)
	wasmConfig := static.NewLayer([]byte("{}"), WasmConfigMediaType)
	wasmContent := static.NewLayer(module, WasmContentMediaType)

	cases := []struct {
		name string
		img  v1.Image
		want string // "" accepts
	}{
		{"compat", compat, ""},
		{"artifact", artifact, ""},
		{"docker v2 with docker layers", image(types.DockerManifestSchema2, types.DockerConfigJSON, tarGz(types.DockerLayer, FileName)), ""},
		{"plugin.wasm in a directory", image(types.OCIManifestSchema1, types.OCIConfigJSON, tarGz(types.OCILayer, "x/plugin.wasm")), ""},
		{"no layers", image(types.OCIManifestSchema1, types.OCIConfigJSON), "no layers"},
		{"docker layer in an OCI manifest", image(types.OCIManifestSchema1, types.OCIConfigJSON, tarGz(types.DockerLayer, FileName)), "want application/vnd.oci.image.layer.v1.tar+gzip"},
		{"OCI layer in a docker manifest", image(types.DockerManifestSchema2, types.DockerConfigJSON, tarGz(types.OCILayer, FileName)), "want application/vnd.docker.image.rootfs.diff.tar.gzip"},
		{"docker config in an OCI manifest", image(types.OCIManifestSchema1, types.DockerConfigJSON, tarGz(types.OCILayer, FileName)), "config"},
		{"uncompressed layer", image(types.OCIManifestSchema1, types.OCIConfigJSON, static.NewLayer(module, types.OCIUncompressedLayer)), "want application/vnd.oci.image.layer.v1.tar+gzip"},
		{"wrong file name", image(types.OCIManifestSchema1, types.OCIConfigJSON, tarGz(types.OCILayer, "filter.wasm")), "plugin.wasm not found"},
		{"artifact with one layer", image(types.OCIManifestSchema1, WasmConfigMediaType, wasmContent), "want exactly"},
		{"artifact with three layers", image(types.OCIManifestSchema1, WasmConfigMediaType, wasmConfig, wasmContent, wasmContent), "want exactly"},
		{"artifact in a docker manifest", image(types.DockerManifestSchema2, WasmConfigMediaType, wasmConfig, wasmContent), "artifact variant with a"},
		{"not wasm", image(types.OCIManifestSchema1, WasmConfigMediaType, wasmConfig, static.NewLayer([]byte("text"), WasmContentMediaType)), "not a wasm module"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := Check(tc.img)
			if tc.want == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorContains(t, err, tc.want)
		})
	}
}

func TestTitle(t *testing.T) {
	img, err := Build(module, opts)
	require.NoError(t, err)
	require.Equal(t, "addheader", Title(img, "r:5000/x/other:v1"))
	untitled, err := Build(module, Options{})
	require.NoError(t, err)
	for ref, want := range map[string]string{
		"localhost:5000/team/myfilter:v1":            "myfilter",
		"localhost:5000/myfilter":                    "myfilter",
		"r/team/myfilter:v1@sha256:" + digestHex(64): "myfilter",
	} {
		require.Equal(t, want, Title(untitled, ref), ref)
	}
}

func digestHex(n int) string { return string(bytes.Repeat([]byte("a"), n)) }
