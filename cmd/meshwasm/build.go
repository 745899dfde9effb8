package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/meshwasm/meshwasm/build/envoyabi"
	"github.com/meshwasm/meshwasm/build/wasmbuild"
)

func runBuild(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("build", flag.ContinueOnError)
	out := fs.String("o", "plugin.wasm", "output `file`")
	toolchain := fs.String("toolchain", envOr("TOOLCHAIN", wasmbuild.ToolchainGo), "`go` (standard Go, default) or tinygo")
	keepDebug := fs.Bool("debug", false, "keep DWARF and symbols (larger module)")
	quiet := fs.Bool("q", false, "print nothing on success")
	tags := fs.String("tags", "", "comma-separated `list` of build tags (as go build -tags)")
	envoy := fs.String("envoy", envoyabi.Oldest, "oldest Envoy `release` the module must load in: imports it lacks are stubbed (ENOSYS)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return errors.New("usage: meshwasm build DIR [-o plugin.wasm] [-tags a,b] [-envoy " + envoyabi.Oldest + "] [-toolchain go|tinygo]")
	}
	start := time.Now()
	opts := wasmbuild.Options{Dir: pos[0], Output: *out, Toolchain: *toolchain, KeepDebug: *keepDebug, Envoy: *envoy}
	if *tags != "" {
		opts.Tags = strings.Split(*tags, ",")
	}
	if !*quiet {
		opts.Log = os.Stdout
	}
	if err := wasmbuild.Build(ctx, opts); err != nil {
		return err
	}
	if !*quiet {
		st, err := os.Stat(*out)
		if err != nil {
			return err
		}
		fmt.Printf("%s: wasm %s %s (%.1fs)\n", filepath.Base(filepath.Clean(pos[0])), *out, humanSize(st.Size()), time.Since(start).Seconds())
	}
	return nil
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

func humanSize(n int64) string {
	if n >= 1<<20 {
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%.1f kB", float64(n)/(1<<10))
}
