package manifests

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/encoding/protojson"
	extensions "istio.io/api/extensions/v1alpha1"
	"sigs.k8s.io/yaml"

	"github.com/meshwasm/meshwasm/build/image"
	"github.com/meshwasm/meshwasm/build/manifest"
	"github.com/meshwasm/meshwasm/pkg/wasmtest"
)

// envelope is a Kubernetes object around a WasmPlugin spec; decoding it
// strictly makes an unknown top-level or metadata field an error.
type envelope struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name        string            `json:"name"`
		Namespace   string            `json:"namespace,omitempty"`
		Labels      map[string]string `json:"labels,omitempty"`
		Annotations map[string]string `json:"annotations,omitempty"`
	} `json:"metadata"`
	Spec json.RawMessage `json:"spec"`
}

// validateWasmPlugin decodes a WasmPlugin strictly: the envelope with
// unknown fields refused, the spec with protojson into Istio's own message
// (its generated UnmarshalJSON tolerates unknown fields, protojson does not).
func validateWasmPlugin(t *testing.T, data []byte) *extensions.WasmPlugin {
	t.Helper()
	var env envelope
	require.NoError(t, yaml.UnmarshalStrict(data, &env))
	require.Equal(t, manifest.APIVersion, env.APIVersion)
	require.Equal(t, manifest.Kind, env.Kind)
	require.NotEmpty(t, env.Metadata.Name)
	spec := &extensions.WasmPlugin{}
	require.NoError(t, protojson.UnmarshalOptions{}.Unmarshal(env.Spec, spec))
	require.True(t, strings.HasPrefix(spec.GetUrl(), "oci://"), "url %q", spec.GetUrl())
	return spec
}

func TestWasmPlugin_StrictDecodingCatchesTypos(t *testing.T) {
	good := []byte("apiVersion: extensions.istio.io/v1alpha1\nkind: WasmPlugin\nmetadata: {name: x}\nspec: {url: oci://r/x:y}\n")
	var env envelope
	require.NoError(t, yaml.UnmarshalStrict(good, &env))
	require.NoError(t, protojson.Unmarshal(env.Spec, &extensions.WasmPlugin{}))

	typoSpec := bytes.Replace(good, []byte("url:"), []byte("uri:"), 1)
	require.NoError(t, yaml.UnmarshalStrict(typoSpec, &env))
	require.Error(t, protojson.Unmarshal(env.Spec, &extensions.WasmPlugin{}), "unknown spec field")

	typoEnvelope := append(append([]byte{}, good...), []byte("extra: 1\n")...)
	require.Error(t, yaml.UnmarshalStrict(typoEnvelope, &env), "unknown top-level field")
}

func TestWasmPlugin_HandWritten(t *testing.T) {
	for _, name := range filters(t) {
		t.Run(name, func(t *testing.T) {
			spec := validateWasmPlugin(t, readFile(t, filterDir(name)+"/wasmplugin.yaml"))
			require.Contains(t, spec.GetUrl(), "/meshwasm/"+name+":")
			require.NotNil(t, spec.GetPluginConfig(), "an example shows a configuration")
		})
	}
}

// The manifests `make manifests` and `make push` write, rendered here from a
// freshly built module so the test does not depend on an earlier make.
func TestWasmPlugin_Generated(t *testing.T) {
	for _, name := range filters(t) {
		t.Run(name, func(t *testing.T) {
			img, err := image.Build(wasmtest.Module(t, filterDir(name)), image.Options{Name: name, Version: "dev"})
			require.NoError(t, err)
			digest, err := img.Digest()
			require.NoError(t, err)
			for _, url := range []string{
				"oci://localhost:5000/meshwasm/" + name + ":dev",
				"oci://localhost:5000/meshwasm/" + name + ":dev@" + digest.String(),
			} {
				out, err := manifest.Render(readFile(t, filterDir(name)+"/wasmplugin.yaml"), url, digest.String())
				require.NoError(t, err)
				spec := validateWasmPlugin(t, out)
				require.Equal(t, url, spec.GetUrl())
				require.Equal(t, digest.Hex, spec.GetSha256())
			}
		})
	}
}
