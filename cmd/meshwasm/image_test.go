//go:build !meshwasm_offline

package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

const wasmplugin = `apiVersion: extensions.istio.io/v1alpha1
kind: WasmPlugin
metadata: {name: f, namespace: istio-system}
spec:
  url: oci://localhost:5000/meshwasm/f:dev
  phase: AUTHN
  pluginConfig: {a: 1}
`

// The image and manifest subcommands as the Makefile calls them: the digest
// file lands beside the layout and the WasmPlugin pins that digest.
func TestImageAndManifest(t *testing.T) {
	dir := t.TempDir()
	dist := filepath.Join(dir, "dist", "f")
	require.NoError(t, os.MkdirAll(dist, 0o755))
	wasm := filepath.Join(dist, "plugin.wasm")
	require.NoError(t, os.WriteFile(wasm, []byte("\x00asm\x01\x00\x00\x00"), 0o644))
	tmpl := filepath.Join(dir, "wasmplugin.yaml")
	require.NoError(t, os.WriteFile(tmpl, []byte(wasmplugin), 0o644))

	ctx := context.Background()
	require.NoError(t, runImage(ctx, []string{wasm, "-name", "f", "-o", filepath.Join(dist, "image"), "-version", "dev"}))
	digest, err := os.ReadFile(filepath.Join(dist, "image.digest"))
	require.NoError(t, err)
	require.Regexp(t, `^sha256:[0-9a-f]{64}\n$`, string(digest))

	out := filepath.Join(dist, "wasmplugin.yaml")
	require.NoError(t, runManifest(ctx, []string{"-template", tmpl, "-layout", filepath.Join(dist, "image"),
		"-url", "oci://localhost:5000/meshwasm/f:dev", "-o", out}))
	got, err := os.ReadFile(out)
	require.NoError(t, err)
	require.Contains(t, string(got), "sha256: "+strings.TrimPrefix(strings.TrimSpace(string(digest)), "sha256:"))
	require.Contains(t, string(got), "phase: AUTHN")
}

func TestUsageErrors(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name string
		run  func(context.Context, []string) error
		args []string
		want string
	}{
		{"image without module", runImage, nil, "usage: meshwasm image"},
		{"image of a missing file", runImage, []string{"/nonexistent/plugin.wasm"}, "reading the module"},
		{"push without ref", runPush, []string{"dist/f/image"}, "usage: meshwasm push"},
		{"push with half the manifest flags", runPush, []string{"dist/f/image", "-ref", "r/x:y", "-manifest-out", "x.yaml"}, "go together"},
		{"manifest without layout", runManifest, []string{"-template", "t", "-url", "oci://r/x:y", "-o", "o"}, "usage: meshwasm manifest"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			require.ErrorContains(t, tc.run(ctx, tc.args), tc.want)
		})
	}
}
