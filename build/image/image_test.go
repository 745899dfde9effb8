package image

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"io"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/stretchr/testify/require"
)

// module is a minimal valid wasm module (header only); the image code does
// not look past the magic number.
var module = []byte("\x00asm\x01\x00\x00\x00")

var opts = Options{Name: "addheader", Description: "test", Source: "https://example.com/meshwasm", Version: "v1.2.3", Revision: "abc123"}

func TestImage_Reproducible(t *testing.T) {
	for _, artifact := range []bool{false, true} {
		o := opts
		o.Artifact = artifact
		a, err := Build(module, o)
		require.NoError(t, err)
		time.Sleep(1100 * time.Millisecond) // a clock that leaked into the image would show
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
