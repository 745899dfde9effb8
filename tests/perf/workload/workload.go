// Package workload finds the filters to measure and says what traffic each
// one gets: its plugin configuration, a request, a response and the answer to
// any callout. The soak, the hostile-input tests and the benchmark generator
// share it, so every filter under filters/ is measured without a list to keep
// up to date.
package workload

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/meshwasm/meshwasm/build/proxyhost"
	"github.com/meshwasm/meshwasm/build/wasmbuild"
)

// Noop is the name of the no-op floor module.
const Noop = "noop"

// Known are the filters the project ships. The hostile-input tests name them
// explicitly so a missing one fails rather than passes silently.
var Known = []string{"addheader", "regexrepl", "httpcallout"}

// Filter is one filter to measure.
type Filter struct {
	Name string
	Dir  string // absolute path of its main package
	// Config is the plugin configuration the workload runs with.
	Config []byte
	// ConfigSource says where Config came from.
	ConfigSource string
	// AltConfig is a second valid configuration that changes what the
	// filter does (nil: none given; tests derive one). Tests of several
	// plugins in one VM and of reconfiguration use it.
	AltConfig []byte
	Request   [][2]string
	Response  [][2]string
	// Answer answers a callout (nil: 200, empty body).
	Answer func(*proxyhost.Callout) proxyhost.Answer
}

// Root is the repository root, found from this source file (tests and
// commands run in different directories) or, failing that, by walking up
// from the working directory to go.work.
func Root() (string, error) {
	if _, file, _, ok := runtime.Caller(0); ok {
		root := filepath.Clean(filepath.Join(filepath.Dir(file), "..", "..", ".."))
		if _, err := os.Stat(filepath.Join(root, "go.work")); err == nil {
			return root, nil
		}
	}
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.work")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.work above the working directory")
		}
		dir = parent
	}
}

// Results is where the performance commands write their figures by default
// (tests/perf/results), and where writebenchmarks reads them.
func Results(root string) string { return filepath.Join(root, "tests", "perf", "results") }

// Filters lists every filters/<name>/ that has a main.go, sorted, then the
// no-op module.
func Filters(root string) ([]Filter, error) {
	matches, err := filepath.Glob(filepath.Join(root, "filters", "*", "main.go"))
	if err != nil {
		return nil, err
	}
	sort.Strings(matches)
	var out []Filter
	for _, m := range matches {
		f, err := Get(root, filepath.Base(filepath.Dir(m)))
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	noop, err := Get(root, Noop)
	if err != nil {
		return nil, err
	}
	return append(out, noop), nil
}

// Shipped lists the filters under filters/ (not the no-op floor) and fails
// when one the project ships (Known) is missing: suites that cover every
// filter must not pass by one being absent.
func Shipped(root string) ([]Filter, error) {
	all, err := Filters(root)
	if err != nil {
		return nil, err
	}
	var out []Filter
	names := map[string]bool{}
	for _, f := range all {
		if f.Name != Noop {
			out = append(out, f)
			names[f.Name] = true
		}
	}
	for _, k := range Known {
		if !names[k] {
			return nil, fmt.Errorf("filter %s is missing (filters/%s/main.go): every shipped filter must be covered", k, k)
		}
	}
	return out, nil
}

// DefaultRequest is the request every filter's workload sends unless it
// needs another: a browser-like GET through an Istio gateway.
var DefaultRequest = [][2]string{
	{":method", "GET"},
	{":scheme", "https"},
	{":path", "/banana/123?color=yellow"},
	{":authority", "shop.example.com"},
	{"user-agent", "Mozilla/5.0 (X11; Linux x86_64) meshwasm-soak"},
	{"accept", "*/*"},
	{"authorization", "Bearer eyJhbGciOiJIUzI1NiJ9.e30.c2lnbmF0dXJl"},
	{"x-debug-token", "secret"},
	{"x-request-id", "5f3b2c9e-7f0a-4f7e-9a59-0c4e3f1d2a11"},
}

// DefaultResponse is the upstream's response.
var DefaultResponse = [][2]string{
	{":status", "200"},
	{"content-type", "text/html; charset=utf-8"},
	{"content-length", "1024"},
	{"server", "envoy"},
}

// Allow is the canned answer of an authorization service that allows.
func Allow(*proxyhost.Callout) proxyhost.Answer {
	return proxyhost.Answer{
		Headers: [][2]string{{":status", "200"}, {"content-type", "application/json"}, {"x-user", "alice"}},
		Body:    []byte(`{"result": {"allow": true}}`),
	}
}

// files holds the per-filter workload files: filters/<name>.yaml, read when
// a filter needs more than its wasmplugin.yaml (a configuration the host
// accepts, the answer to its callouts). A new file needs no code edit.
//
//go:embed filters/*.yaml
var files embed.FS

// File is a per-filter workload file.
type File struct {
	// PluginConfig replaces the wasmplugin.yaml pluginConfig.
	PluginConfig map[string]any `yaml:"pluginConfig"`
	// AlternatePluginConfig is Filter.AltConfig.
	AlternatePluginConfig map[string]any `yaml:"alternatePluginConfig"`
	// Callout is how the host answers every callout (default: 200, no body).
	Callout *struct {
		Headers [][2]string `yaml:"headers"`
		Body    string      `yaml:"body"`
	} `yaml:"callout"`
}

// Get returns the workload of the filter or test module name: the
// configuration of filters/<name>/wasmplugin.yaml, overridden by
// tests/perf/workload/filters/<name>.yaml when that exists.
func Get(root, name string) (Filter, error) {
	f := Filter{Name: name, Request: DefaultRequest, Response: DefaultResponse}
	if name == Noop {
		f.Dir = filepath.Join(root, "tests", "perf", "noop")
		f.ConfigSource = "none"
		return f, nil
	}
	f.Dir = filepath.Join(root, "filters", name)
	if _, err := os.Stat(f.Dir); err != nil {
		return f, fmt.Errorf("filter %s: %w", name, err)
	}
	cfg, err := PluginConfig(filepath.Join(f.Dir, "wasmplugin.yaml"))
	if err != nil {
		return f, fmt.Errorf("filter %s: %w", name, err)
	}
	f.Config = cfg
	f.ConfigSource = "filters/" + name + "/wasmplugin.yaml"
	if cfg == nil {
		f.ConfigSource = "none (defaults)"
	}
	data, err := files.ReadFile("filters/" + name + ".yaml")
	if errors.Is(err, fs.ErrNotExist) {
		return f, nil
	}
	if err != nil {
		return f, err
	}
	var file File
	if err := yaml.Unmarshal(data, &file); err != nil {
		return f, fmt.Errorf("workload of %s: %w", name, err)
	}
	if file.PluginConfig != nil {
		if f.Config, err = json.Marshal(file.PluginConfig); err != nil {
			return f, fmt.Errorf("workload of %s: %w", name, err)
		}
		f.ConfigSource = "tests/perf/workload/filters/" + name + ".yaml"
	}
	if file.AlternatePluginConfig != nil {
		if f.AltConfig, err = json.Marshal(file.AlternatePluginConfig); err != nil {
			return f, fmt.Errorf("workload of %s: %w", name, err)
		}
	}
	if c := file.Callout; c != nil {
		answer := proxyhost.Answer{Headers: c.Headers, Body: []byte(c.Body)}
		f.Answer = func(*proxyhost.Callout) proxyhost.Answer { return answer }
	}
	return f, nil
}

// PluginConfig returns a WasmPlugin manifest's spec.pluginConfig as the JSON
// Istio delivers to the filter (nil when the manifest has none or does not
// exist).
func PluginConfig(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var doc struct {
		Spec struct {
			PluginConfig map[string]any `yaml:"pluginConfig"`
		} `yaml:"spec"`
	}
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if doc.Spec.PluginConfig == nil {
		return nil, nil
	}
	return json.Marshal(doc.Spec.PluginConfig)
}

// Build compiles the filter's module to out exactly as `make` does (or
// without -s -w when keepDebug is set).
func (f Filter) Build(ctx context.Context, out string, keepDebug bool) error {
	return wasmbuild.Build(ctx, wasmbuild.Options{Dir: f.Dir, Output: out, KeepDebug: keepDebug})
}

// Module builds the filter's module as `make` does and returns its bytes.
func (f Filter) Module(ctx context.Context) ([]byte, error) {
	tmp, err := os.MkdirTemp("", "meshwasm-module-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	path := filepath.Join(tmp, "plugin.wasm")
	if err := f.Build(ctx, path, false); err != nil {
		return nil, err
	}
	return os.ReadFile(path)
}

// Select keeps the filters named in a comma-separated list (all if empty).
func Select(filters []Filter, only string) []Filter {
	if only == "" {
		return filters
	}
	want := map[string]bool{}
	for _, n := range strings.Split(only, ",") {
		want[strings.TrimSpace(n)] = true
	}
	var out []Filter
	for _, f := range filters {
		if want[f.Name] {
			out = append(out, f)
		}
	}
	return out
}
