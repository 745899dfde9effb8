package manifest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/yaml"
)

const template = `apiVersion: extensions.istio.io/v1alpha1
kind: WasmPlugin
metadata:
  name: addheader
  namespace: istio-system
spec:
  selector:
    matchLabels:
      istio: ingressgateway
  url: oci://localhost:5000/meshwasm/addheader:dev
  phase: AUTHN
  failStrategy: FAIL_OPEN
  pluginConfig:
    limit: 9007199254740993
    response:
      add:
        x-a: "1"
`

var digest = "sha256:" + strings.Repeat("ab", 32)

func TestRender(t *testing.T) {
	url := "oci://registry.example.com:5000/meshwasm/addheader:v1@" + digest
	out, err := Render([]byte(template), url, digest)
	require.NoError(t, err)
	var doc map[string]any
	require.NoError(t, yaml.Unmarshal(out, &doc))
	spec := doc["spec"].(map[string]any)
	require.Equal(t, url, spec["url"])
	require.Equal(t, strings.Repeat("ab", 32), spec["sha256"])
	require.Equal(t, "AUTHN", spec["phase"])
	require.Equal(t, "FAIL_OPEN", spec["failStrategy"])
	require.Equal(t, map[string]any{
		"limit":    float64(9007199254740993),
		"response": map[string]any{"add": map[string]any{"x-a": "1"}},
	}, spec["pluginConfig"])
	require.Contains(t, string(out), "limit: 9007199254740993", "integers are not rounded")
	require.Equal(t, "addheader", doc["metadata"].(map[string]any)["name"])

	// The reference Istio will parse: tag and digest together.
	ref, err := name.ParseReference(strings.TrimPrefix(url, "oci://"))
	require.NoError(t, err)
	require.Equal(t, digest, ref.Identifier())
}

func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	tmpl := filepath.Join(dir, "wasmplugin.yaml")
	require.NoError(t, os.WriteFile(tmpl, []byte(template), 0o644))
	out := filepath.Join(dir, "dist", "addheader", "wasmplugin.yaml")
	require.NoError(t, WriteFile(tmpl, out, "oci://localhost:5000/meshwasm/addheader:dev", digest))
	b, err := os.ReadFile(out)
	require.NoError(t, err)
	require.Contains(t, string(b), "sha256: "+strings.Repeat("ab", 32))

	require.ErrorContains(t, WriteFile(filepath.Join(dir, "missing.yaml"), out, "oci://r/x:y", digest), "reading the WasmPlugin template")
}

func TestRender_Errors(t *testing.T) {
	cases := map[string]struct{ template, url, digest, want string }{
		"not a WasmPlugin": {"apiVersion: v1\nkind: ConfigMap\n", "oci://r/x:y", digest, "want extensions.istio.io/v1alpha1 WasmPlugin"},
		"no spec":          {"apiVersion: extensions.istio.io/v1alpha1\nkind: WasmPlugin\n", "oci://r/x:y", digest, "no spec"},
		"bad url":          {template, "https://r/x", digest, "want oci://"},
		"bad digest":       {template, "oci://r/x:y", "sha256:abc", "want sha256:<64 hex digits>"},
		"bad yaml":         {"{", "oci://r/x:y", digest, "parsing"},
	}
	for n, tc := range cases {
		_, err := Render([]byte(tc.template), tc.url, tc.digest)
		require.ErrorContains(t, err, tc.want, n)
	}
}

func TestPluginConfig(t *testing.T) {
	doc := []byte(`apiVersion: extensions.istio.io/v1alpha1
kind: WasmPlugin
spec:
  url: oci://r/x:dev
  pluginConfig:
    timeout_ms: 12345678901234567
    request:
      set:
        x-environment: prod
      remove: [x-debug-token]
`)
	got, err := PluginConfig(doc)
	require.NoError(t, err)
	require.JSONEq(t, `{"timeout_ms":12345678901234567,"request":{"set":{"x-environment":"prod"},"remove":["x-debug-token"]}}`, string(got))
	require.Contains(t, string(got), "12345678901234567", "a large number is not rounded")

	none, err := PluginConfig([]byte("kind: WasmPlugin\nspec:\n  url: oci://r/x\n"))
	require.NoError(t, err)
	require.Nil(t, none)

	_, err = PluginConfig([]byte("kind: Deployment\nspec: {}\n"))
	require.ErrorContains(t, err, "want WasmPlugin")
	_, err = PluginConfig([]byte("kind: WasmPlugin\nspec:\n  pluginConfig: [1]\n"))
	require.ErrorContains(t, err, "not an object")
	_, err = PluginConfig([]byte("kind: [\n"))
	require.Error(t, err)
}
