package manifests

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	bootstrap "github.com/envoyproxy/go-control-plane/envoy/config/bootstrap/v3"
	route "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	wasmfilter "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/wasm/v3"
	hcm "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/http_connection_manager/v3"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/wrapperspb"
	"sigs.k8s.io/yaml"

	// The types the examples' typed_config fields name must be registered
	// for protojson to decode them; an unregistered one fails the test.
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/access_loggers/stream/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/router/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/upstreams/http/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/wasm/v3"
)

type validator interface{ ValidateAll() error }

const routerFilter = "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router"

// decodeBootstrap decodes an envoy.yaml strictly (protojson refuses unknown
// fields and unregistered Any types) and validates it with the generated
// protoc-gen-validate rules, including every message inside an Any.
func decodeBootstrap(t *testing.T, data []byte) *bootstrap.Bootstrap {
	t.Helper()
	js, err := yaml.YAMLToJSON(data)
	require.NoError(t, err)
	bs := &bootstrap.Bootstrap{}
	require.NoError(t, protojson.UnmarshalOptions{DiscardUnknown: false}.Unmarshal(js, bs), "strict decoding")
	require.NoError(t, bs.ValidateAll())
	require.NoError(t, validateAnys(bs.ProtoReflect(), "bootstrap"))
	return bs
}

// validateAnys unpacks every Any below m and validates what it holds, since
// ValidateAll stops at an Any. An Envoy type without validation rules, or a
// type that is not registered, is an error.
func validateAnys(m protoreflect.Message, path string) error {
	if a, ok := m.Interface().(*anypb.Any); ok {
		inner, err := a.UnmarshalNew()
		if err != nil {
			return fmt.Errorf("%s: %s: %w", path, a.GetTypeUrl(), err)
		}
		if v, ok := inner.(validator); ok {
			if err := v.ValidateAll(); err != nil {
				return fmt.Errorf("%s: %s: %w", path, a.GetTypeUrl(), err)
			}
		} else if strings.HasPrefix(a.GetTypeUrl(), "type.googleapis.com/envoy.") {
			return fmt.Errorf("%s: %s has no validation", path, a.GetTypeUrl())
		}
		return validateAnys(inner.ProtoReflect(), path+"("+a.GetTypeUrl()+")")
	}
	var err error
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		p := path + "." + string(fd.Name())
		switch {
		case fd.IsList() && fd.Message() != nil:
			for i := 0; i < v.List().Len() && err == nil; i++ {
				err = validateAnys(v.List().Get(i).Message(), fmt.Sprintf("%s[%d]", p, i))
			}
		case fd.IsMap() && fd.MapValue().Message() != nil:
			v.Map().Range(func(k protoreflect.MapKey, mv protoreflect.Value) bool {
				err = validateAnys(mv.Message(), p+"["+k.String()+"]")
				return err == nil
			})
		case !fd.IsList() && !fd.IsMap() && fd.Message() != nil:
			err = validateAnys(v.Message(), p)
		}
		return err == nil
	})
	return err
}

func unpack(t *testing.T, a *anypb.Any) proto.Message {
	t.Helper()
	require.NotNil(t, a, "typed_config is required")
	m, err := a.UnmarshalNew()
	require.NoError(t, err, a.GetTypeUrl())
	return m
}

// routeClusters lists the clusters a route configuration sends traffic to.
func routeClusters(rc *route.RouteConfiguration) []string {
	var cs []string
	for _, vh := range rc.GetVirtualHosts() {
		for _, r := range vh.GetRoutes() {
			ra := r.GetRoute()
			if c := ra.GetCluster(); c != "" {
				cs = append(cs, c)
			}
			for _, wc := range ra.GetWeightedClusters().GetClusters() {
				cs = append(cs, wc.GetName())
			}
			for _, m := range ra.GetRequestMirrorPolicies() {
				cs = append(cs, m.GetCluster())
			}
		}
	}
	return cs
}

// configClusters lists the cluster names a filter's configuration mentions:
// the values of keys named "cluster" or "..._cluster", in a JSON object at any
// depth or in KEY=VALUE lines. A callout to a cluster the bootstrap lacks
// fails at run time only, so it is caught here.
func configClusters(t *testing.T, config string) []string {
	t.Helper()
	isCluster := func(k string) bool {
		k = strings.ToLower(k)
		return k == "cluster" || strings.HasSuffix(k, "_cluster")
	}
	var cs []string
	trimmed := strings.TrimSpace(config)
	if strings.HasPrefix(trimmed, "{") {
		var doc any
		require.NoError(t, json.Unmarshal([]byte(trimmed), &doc), "configuration is a JSON object")
		var walk func(v any)
		walk = func(v any) {
			switch v := v.(type) {
			case map[string]any:
				for k, e := range v {
					if s, ok := e.(string); ok && isCluster(k) {
						cs = append(cs, s)
					}
					walk(e)
				}
			case []any:
				for _, e := range v {
					walk(e)
				}
			}
		}
		walk(doc)
		return cs
	}
	for _, line := range strings.Split(config, "\n") {
		if k, v, ok := strings.Cut(strings.TrimSpace(line), "="); ok && isCluster(strings.TrimSpace(k)) {
			cs = append(cs, strings.TrimSpace(v))
		}
	}
	return cs
}

func TestEnvoyBootstrap(t *testing.T) {
	eachFilter(t, func(t *testing.T, name string) {
		bs := decodeBootstrap(t, readFile(t, filepath.Join(filterDir(name), "envoy.yaml")))

		clusters := map[string]bool{}
		for _, c := range bs.GetStaticResources().GetClusters() {
			clusters[c.GetName()] = true
		}
		var wasmFilters int
		for _, l := range bs.GetStaticResources().GetListeners() {
			for _, fc := range l.GetFilterChains() {
				for _, f := range fc.GetFilters() {
					manager, ok := unpack(t, f.GetTypedConfig()).(*hcm.HttpConnectionManager)
					if !ok {
						continue
					}
					require.NotNil(t, manager.GetRouteConfig(), "the example carries its routes (no RDS)")
					for _, c := range routeClusters(manager.GetRouteConfig()) {
						require.True(t, clusters[c], "a route sends to undefined cluster %q", c)
					}
					httpFilters := manager.GetHttpFilters()
					require.NotEmpty(t, httpFilters)
					last := httpFilters[len(httpFilters)-1]
					require.Equal(t, routerFilter, last.GetTypedConfig().GetTypeUrl(), "the router comes last")
					for i, hf := range httpFilters {
						w, ok := unpack(t, hf.GetTypedConfig()).(*wasmfilter.Wasm)
						if !ok {
							continue
						}
						wasmFilters++
						require.Less(t, i, len(httpFilters)-1, "the wasm filter comes before the router")
						cfg := w.GetConfig()
						require.Equal(t, "dist/"+name+"/plugin.wasm", cfg.GetVmConfig().GetCode().GetLocal().GetFilename(),
							"the example runs the module `make` builds")
						if cfg.GetConfiguration() == nil {
							continue
						}
						sv := &wrapperspb.StringValue{}
						require.NoError(t, cfg.GetConfiguration().UnmarshalTo(sv), "configuration is a StringValue")
						for _, c := range configClusters(t, sv.GetValue()) {
							require.True(t, clusters[c], "the configuration names undefined cluster %q", c)
						}
						requireStarts(t, name, []byte(sv.GetValue()))
					}
				}
			}
		}
		require.Equal(t, 1, wasmFilters, "one wasm filter")
	})
}

// The walk above must see into Any: a bad value inside a typed_config, which
// ValidateAll on the bootstrap alone accepts, fails.
func TestEnvoyBootstrap_ValidatesInsideAny(t *testing.T) {
	const good = `
static_resources:
  listeners:
  - name: main
    address: {socket_address: {address: 127.0.0.1, port_value: 10000}}
    filter_chains:
    - filters:
      - name: envoy.filters.network.http_connection_manager
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          stat_prefix: STAT
          route_config: {name: r}
          http_filters:
          - name: envoy.filters.http.router
            typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router}
`
	cases := []struct {
		name, yaml, want string
	}{
		{"valid", strings.Replace(good, "STAT", "ingress", 1), ""},
		{"invalid inside Any", strings.Replace(good, "STAT", `""`, 1), "StatPrefix"},
		{"unknown field inside Any", strings.Replace(good, "stat_prefix: STAT", "stat_prefix: x\n          stats_prefix: y", 1), "unknown field"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			js, err := yaml.YAMLToJSON([]byte(tc.yaml))
			require.NoError(t, err)
			bs := &bootstrap.Bootstrap{}
			err = protojson.Unmarshal(js, bs)
			if err == nil {
				require.NoError(t, bs.ValidateAll(), "the bootstrap alone looks valid")
				err = validateAnys(bs.ProtoReflect(), "bootstrap")
			}
			if tc.want == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorContains(t, err, tc.want)
		})
	}
}
