//go:build !meshwasm_offline

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os"
	"strings"

	"github.com/meshwasm/meshwasm/build/localproxy"
	"github.com/meshwasm/meshwasm/build/wasmbuild"
)

// clusterFlags collects repeated -cluster NAME=URL flags.
type clusterFlags map[string]*url.URL

func (c clusterFlags) String() string { return "" }

func (c clusterFlags) Set(s string) error {
	// A comma-separated list is accepted too, as make's CLUSTERS="a=..,b=.." passes it.
	for _, one := range strings.Split(s, ",") {
		name, u, err := localproxy.ParseCluster(strings.TrimSpace(one))
		if err != nil {
			return err
		}
		if _, dup := c[name]; dup {
			return fmt.Errorf("cluster %s given twice", name)
		}
		c[name] = u
	}
	return nil
}

func runRun(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	listen := fs.String("listen", "127.0.0.1:10000", "`address` to listen on (HTTP/1.1 and h2c)")
	upstream := fs.String("upstream", "", "upstream `URL` (http://host:port); default: a built-in echo upstream")
	configPath := fs.String("config", "", "plugin configuration `file` (JSON or KEY=VALUE lines); default: the pluginConfig of the filter's wasmplugin.yaml")
	clusters := clusterFlags{}
	fs.Var(clusters, "cluster", "`NAME=URL` of a cluster the filter may call out to (repeatable)")
	logLevel := fs.String("log-level", "info", "lowest `level` of the module's log lines shown: trace, debug, info, warn, error, critical")
	toolchain := fs.String("toolchain", envOr("TOOLCHAIN", wasmbuild.ToolchainGo), "`go` or tinygo, when building a directory")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return errors.New("usage: meshwasm run DIR|FILE.wasm [-listen ADDR] [-upstream URL] [-config FILE] [-cluster NAME=URL]... [-log-level LEVEL]")
	}
	level, err := localproxy.ParseLogLevel(*logLevel)
	if err != nil {
		return err
	}
	opts := localproxy.Options{Clusters: clusters, LogLevel: level, Log: os.Stderr}
	if *upstream != "" {
		if opts.Upstream, err = localproxy.ParseUpstream(*upstream); err != nil {
			return err
		}
	}
	if st, err := os.Stat(pos[0]); err == nil && st.IsDir() {
		fmt.Fprintf(os.Stderr, "meshwasm run: building %s\n", pos[0])
	}
	src, err := localproxy.Load(ctx, pos[0], *configPath, *toolchain)
	if err != nil {
		return err
	}
	opts.Module, opts.Name, opts.Config, opts.ConfigSource = src.Module, src.Name, src.Config, src.ConfigSource
	return localproxy.Run(ctx, opts, *listen, os.Stdout)
}
