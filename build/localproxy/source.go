package localproxy

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/meshwasm/meshwasm/build/manifest"
	"github.com/meshwasm/meshwasm/build/wasmbuild"
)

// Source is the filter `meshwasm run` was pointed at.
type Source struct {
	Module []byte
	// Name is the filter's name: its directory's, or the module file's
	// (the directory's when the file is the usual plugin.wasm).
	Name string
	// Config and ConfigSource are the plugin configuration and where it
	// came from ("" and nil: none).
	Config       []byte
	ConfigSource string
}

// Load resolves a directory (a filter's source, built as `meshwasm build`
// builds it, with toolchain) or a .wasm file, and its configuration: the
// file at configPath (JSON or KEY=VALUE lines, handed to the plugin as it
// is) or, without one, the pluginConfig of the wasmplugin.yaml beside the
// filter's source or module.
func Load(ctx context.Context, target, configPath, toolchain string) (*Source, error) {
	st, err := os.Stat(target)
	if err != nil {
		return nil, err
	}
	src := &Source{}
	dir := target
	if st.IsDir() {
		src.Name = filepath.Base(filepath.Clean(target))
		tmp, err := os.MkdirTemp("", "meshwasm-run-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(tmp)
		out := filepath.Join(tmp, "plugin.wasm")
		if err := wasmbuild.Build(ctx, wasmbuild.Options{Dir: target, Output: out, Toolchain: toolchain}); err != nil {
			return nil, fmt.Errorf("building %s: %w", target, err)
		}
		if src.Module, err = os.ReadFile(out); err != nil {
			return nil, err
		}
	} else {
		if src.Module, err = os.ReadFile(target); err != nil {
			return nil, err
		}
		dir = filepath.Dir(target)
		src.Name = strings.TrimSuffix(filepath.Base(target), filepath.Ext(target))
		if src.Name == "plugin" {
			abs, _ := filepath.Abs(dir)
			src.Name = filepath.Base(abs)
		}
	}
	if configPath != "" {
		if src.Config, err = os.ReadFile(configPath); err != nil {
			return nil, fmt.Errorf("reading the configuration: %w", err)
		}
		src.ConfigSource = configPath
		return src, nil
	}
	wp := filepath.Join(dir, "wasmplugin.yaml")
	data, err := os.ReadFile(wp)
	if errors.Is(err, os.ErrNotExist) {
		return src, nil
	}
	if err != nil {
		return nil, err
	}
	if src.Config, err = manifest.PluginConfig(data); err != nil {
		return nil, fmt.Errorf("%s: %w", wp, err)
	}
	if src.Config != nil {
		src.ConfigSource = wp + " (pluginConfig)"
	}
	return src, nil
}
