package manifests

import (
	"testing"

	bootstrap "github.com/envoyproxy/go-control-plane/envoy/config/bootstrap/v3"
	hcm "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/http_connection_manager/v3"
	wasmfilter "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/wasm/v3"
	"github.com/stretchr/testify/require"
	"github.com/tidwall/gjson"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/wrapperspb"
	"sigs.k8s.io/yaml"

	// Types the bootstraps' typed_config fields name.
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/router/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/wasm/v3"
)

type validator interface{ ValidateAll() error }

// unpack resolves an Any and validates what it holds: ValidateAll does not
// descend into Any fields by itself.
func unpack(t *testing.T, a *anypb.Any) proto.Message {
	t.Helper()
	require.NotNil(t, a, "typed_config is required")
	m, err := a.UnmarshalNew()
	require.NoError(t, err, "type %s", a.GetTypeUrl())
	v, ok := m.(validator)
	require.True(t, ok, "%s has no validation", a.GetTypeUrl())
	require.NoError(t, v.ValidateAll(), a.GetTypeUrl())
	return m
}

func TestEnvoyBootstrap(t *testing.T) {
	for _, name := range filters(t) {
		t.Run(name, func(t *testing.T) {
			js, err := yaml.YAMLToJSON(readFile(t, filterDir(name)+"/envoy.yaml"))
			require.NoError(t, err)
			bs := &bootstrap.Bootstrap{}
			require.NoError(t, protojson.Unmarshal(js, bs), "strict decoding of envoy.yaml")
			require.NoError(t, bs.ValidateAll())

			clusters := map[string]bool{}
			for _, c := range bs.GetStaticResources().GetClusters() {
				clusters[c.GetName()] = true
			}
			var wasmFilters int
			for _, l := range bs.GetStaticResources().GetListeners() {
				for _, fc := range l.GetFilterChains() {
					for _, f := range fc.GetFilters() {
						m := unpack(t, f.GetTypedConfig())
						manager, ok := m.(*hcm.HttpConnectionManager)
						if !ok {
							continue
						}
						for _, vh := range manager.GetRouteConfig().GetVirtualHosts() {
							for _, r := range vh.GetRoutes() {
								if c := r.GetRoute().GetCluster(); c != "" {
									require.True(t, clusters[c], "route to undefined cluster %q", c)
								}
							}
						}
						httpFilters := manager.GetHttpFilters()
						require.NotEmpty(t, httpFilters)
						require.Equal(t, "envoy.filters.http.router", httpFilters[len(httpFilters)-1].GetName(), "the router comes last")
						for i, hf := range httpFilters {
							w, ok := unpack(t, hf.GetTypedConfig()).(*wasmfilter.Wasm)
							if !ok {
								continue
							}
							wasmFilters++
							require.Less(t, i, len(httpFilters)-1, "the wasm filter comes before the router")
							cfg := w.GetConfig()
							require.Equal(t, "dist/"+name+"/plugin.wasm", cfg.GetVmConfig().GetCode().GetLocal().GetFilename())
							sv := &wrapperspb.StringValue{}
							require.NoError(t, cfg.GetConfiguration().UnmarshalTo(sv), "configuration is a StringValue")
							// A callout cluster named in a JSON configuration must exist.
							if c := gjson.Get(sv.GetValue(), "cluster"); c.Exists() {
								require.True(t, clusters[c.String()], "configuration names undefined cluster %q", c.String())
							}
						}
					}
				}
			}
			require.Equal(t, 1, wasmFilters, "one wasm filter")
		})
	}
}
