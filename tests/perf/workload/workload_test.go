package workload

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/valyala/fastjson"

	"github.com/meshwasm/meshwasm/build/proxyhost"
)

// Filters finds every filters/<name>/main.go without a list, then the floor.
func TestFilters(t *testing.T) {
	root, err := Root()
	require.NoError(t, err)
	matches, err := filepath.Glob(filepath.Join(root, "filters", "*", "main.go"))
	require.NoError(t, err)
	filters, err := Filters(root)
	require.NoError(t, err)
	require.Len(t, filters, len(matches)+1)
	require.Equal(t, Noop, filters[len(filters)-1].Name)
	names := map[string]bool{}
	for _, f := range filters {
		names[f.Name] = true
		require.DirExists(t, f.Dir)
		require.NotEmpty(t, f.Request)
		if f.Config != nil {
			require.NoError(t, fastjson.ValidateBytes(f.Config), f.Name)
		}
	}
	for _, k := range Known {
		require.True(t, names[k], k)
	}
	require.Len(t, Select(filters, "noop, addheader"), 2)
}

// A per-filter workload file replaces the configuration and answers
// callouts; other filters take wasmplugin.yaml's pluginConfig.
func TestGet(t *testing.T) {
	root, err := Root()
	require.NoError(t, err)
	hc, err := Get(root, "httpcallout")
	require.NoError(t, err)
	require.Equal(t, "tests/perf/workload/filters/httpcallout.yaml", hc.ConfigSource)
	v, err := fastjson.ParseBytes(hc.Config)
	require.NoError(t, err)
	require.Equal(t, "outbound|8080||ext-authz.auth.svc.cluster.local", string(v.GetStringBytes("cluster")))
	require.NotNil(t, hc.Answer)
	a := hc.Answer(&proxyhost.Callout{})
	require.Equal(t, [2]string{":status", "200"}, a.Headers[0])
	require.JSONEq(t, `{"result": {"allow": true}}`, string(a.Body))

	ah, err := Get(root, "addheader")
	require.NoError(t, err)
	require.Equal(t, "filters/addheader/wasmplugin.yaml", ah.ConfigSource)
	require.Nil(t, ah.Answer)
	v, err = fastjson.ParseBytes(ah.Config)
	require.NoError(t, err)
	require.Equal(t, "prod", string(v.GetStringBytes("request", "set", "x-environment")))

	_, err = Get(root, "no-such-filter")
	require.Error(t, err)
}

// Shipped lists the filters under filters/ and fails when a shipped one is
// missing.
func TestShipped(t *testing.T) {
	root, err := Root()
	require.NoError(t, err)
	shipped, err := Shipped(root)
	require.NoError(t, err)
	for _, f := range shipped {
		require.NotEqual(t, Noop, f.Name)
	}
	require.GreaterOrEqual(t, len(shipped), len(Known))

	partial := t.TempDir()
	for _, name := range Known[1:] {
		dir := filepath.Join(partial, "filters", name)
		require.NoError(t, os.MkdirAll(dir, 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(dir, "main.go"), []byte("package main\n"), 0o644))
	}
	_, err = Shipped(partial)
	require.ErrorContains(t, err, "filter "+Known[0]+" is missing")
}

// Module builds a filter's module and hands back its bytes, leaving no file.
func TestFilter_Module(t *testing.T) {
	root, err := Root()
	require.NoError(t, err)
	f, err := Get(root, Noop)
	require.NoError(t, err)
	module, err := f.Module(context.Background())
	require.NoError(t, err)
	require.True(t, bytes.HasPrefix(module, []byte("\x00asm")), "a WebAssembly module")

	f.Dir = t.TempDir() // no main package: the build fails, and says so
	_, err = f.Module(context.Background())
	require.Error(t, err)
}

func TestResults(t *testing.T) {
	root, err := Root()
	require.NoError(t, err)
	require.DirExists(t, Results(root))
	require.FileExists(t, filepath.Join(Results(root), "soak.json"), "the committed soak figures live there")
}
