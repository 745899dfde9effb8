package manifests

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	extensions "istio.io/api/extensions/v1alpha1"
	"sigs.k8s.io/yaml"

	"github.com/meshwasm/meshwasm/build/image"
	"github.com/meshwasm/meshwasm/build/manifest"
	"github.com/meshwasm/meshwasm/build/wasmtest"
)

// envelope is the Kubernetes object around a WasmPlugin spec; decoding it
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

// decodeWasmPlugin decodes a WasmPlugin strictly: the envelope with unknown
// fields refused, the spec with protojson into Istio's own message. (The
// message's generated UnmarshalJSON tolerates unknown fields; protojson with
// DiscardUnknown false does not.)
func decodeWasmPlugin(data []byte) (envelope, *extensions.WasmPlugin, error) {
	var env envelope
	if err := yaml.UnmarshalStrict(data, &env); err != nil {
		return env, nil, err
	}
	spec := &extensions.WasmPlugin{}
	if err := (protojson.UnmarshalOptions{DiscardUnknown: false}).Unmarshal(env.Spec, spec); err != nil {
		return env, nil, err
	}
	return env, spec, nil
}

func validateWasmPlugin(t *testing.T, data []byte) (envelope, *extensions.WasmPlugin) {
	t.Helper()
	env, spec, err := decodeWasmPlugin(data)
	require.NoError(t, err)
	require.Equal(t, manifest.APIVersion, env.APIVersion)
	require.Equal(t, manifest.Kind, env.Kind)
	require.NotEmpty(t, env.Metadata.Name)
	require.True(t, strings.HasPrefix(spec.GetUrl(), "oci://"), "url %q", spec.GetUrl())
	return env, spec
}

func TestWasmPlugin_StrictDecoding(t *testing.T) {
	const good = "apiVersion: extensions.istio.io/v1alpha1\nkind: WasmPlugin\nmetadata: {name: x}\nspec: {url: oci://r/x:y, phase: AUTHN}\n"
	cases := []struct {
		name, yaml, want string
	}{
		{"valid", good, ""},
		{"unknown spec field", strings.Replace(good, "url:", "uri:", 1), "unknown field"},
		{"bad enum", strings.Replace(good, "AUTHN", "AUTH", 1), "invalid value"},
		{"unknown top-level field", good + "extra: 1\n", "unknown field"},
		{"unknown metadata field", strings.Replace(good, "{name: x}", "{name: x, nmespace: y}", 1), "unknown field"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := decodeWasmPlugin([]byte(tc.yaml))
			if tc.want == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorContains(t, err, tc.want)
		})
	}
}

func TestWasmPlugin_HandWritten(t *testing.T) {
	eachFilter(t, func(t *testing.T, name string) {
		_, spec := validateWasmPlugin(t, readFile(t, filepath.Join(filterDir(name), "wasmplugin.yaml")))
		require.Equal(t, "oci://localhost:5000/meshwasm/"+name+":dev", spec.GetUrl(), "the url `make manifests` writes by default")
		require.NotNil(t, spec.GetPluginConfig(), "an example shows a configuration")
		pluginConfig, err := protojson.Marshal(spec.GetPluginConfig())
		require.NoError(t, err)
		requireStarts(t, name, pluginConfig)
	})
}

// The manifests `make manifests` and `make push` write, generated here into
// a temporary directory with the build packages from a freshly built module,
// so the test does not depend on an earlier make.
func TestWasmPlugin_Generated(t *testing.T) {
	eachFilter(t, func(t *testing.T, name string) {
		templatePath := filepath.Join(filterDir(name), "wasmplugin.yaml")
		tmplEnv, tmplSpec := validateWasmPlugin(t, readFile(t, templatePath))

		img, err := image.Build(wasmtest.Module(t, filterDir(name)), image.Options{Name: name, Version: "dev"})
		require.NoError(t, err)
		dist := filepath.Join(t.TempDir(), "dist", name)
		_, err = image.WriteLayout(filepath.Join(dist, "image"), img)
		require.NoError(t, err)
		fromDisk, err := image.ReadLayout(filepath.Join(dist, "image"))
		require.NoError(t, err)
		digest, err := fromDisk.Digest()
		require.NoError(t, err)

		for _, url := range []string{
			"oci://localhost:5000/meshwasm/" + name + ":dev",                    // make manifests
			"oci://localhost:5000/meshwasm/" + name + ":dev@" + digest.String(), // make push
		} {
			out := filepath.Join(dist, "wasmplugin.yaml")
			require.NoError(t, manifest.WriteFile(templatePath, out, url, digest.String()))
			env, spec := validateWasmPlugin(t, readFile(t, out))
			require.Equal(t, url, spec.GetUrl())
			require.Equal(t, digest.Hex, spec.GetSha256())

			// Everything else is the hand-written file's.
			require.Equal(t, tmplEnv.Metadata, env.Metadata)
			want := proto.Clone(tmplSpec).(*extensions.WasmPlugin)
			want.Url, want.Sha256 = url, digest.Hex
			require.True(t, proto.Equal(want, spec), "spec differs from the template beyond url and sha256:\nwant %v\ngot  %v", want, spec)
		}
	})
}
