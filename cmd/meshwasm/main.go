// Command meshwasm builds proxy-wasm filters written against the tetratelabs
// Go SDK with the standard Go toolchain, and packs, pushes and describes them
// for Istio and Envoy.
//
//	meshwasm build DIR [-o plugin.wasm] [-tags a,b] [-envoy 1.33] [-toolchain go|tinygo]
//	meshwasm image WASM -name NAME -o LAYOUT [-digest-file F] [-version V] [-revision R] [-source URL] [-description TEXT] [-artifact]
//	meshwasm push LAYOUT -ref REGISTRY/REPO:TAG [-insecure] [-manifest-template T -manifest-out F]
//	meshwasm manifest -template T -layout LAYOUT -url oci://... -o F
//	meshwasm new -name NAME [-root DIR]
//	meshwasm run DIR|FILE.wasm [-listen ADDR] [-upstream URL] [-config FILE] [-cluster NAME=URL]... [-log-level LEVEL]
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string) error
}

func main() {
	// SIGTERM too: `meshwasm run` stops cleanly under a process manager.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if len(os.Args) < 2 {
		usage()
		os.Exit(2)
	}
	for _, c := range commands {
		if c.name == os.Args[1] {
			if err := c.run(ctx, os.Args[2:]); err != nil {
				fmt.Fprintf(os.Stderr, "meshwasm %s: %v\n", c.name, err)
				os.Exit(1)
			}
			return
		}
	}
	if os.Args[1] != "help" && os.Args[1] != "-h" && os.Args[1] != "--help" {
		fmt.Fprintf(os.Stderr, "meshwasm: unknown command %q\n", os.Args[1])
	}
	usage()
	os.Exit(2)
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: meshwasm COMMAND [flags] [args]\n\ncommands:")
	for _, c := range commands {
		fmt.Fprintf(os.Stderr, "  %-9s %s\n", c.name, c.summary)
	}
}

// parse parses flags that may come before or after the positional arguments,
// as users type them both ways (`build ./f -o x.wasm`).
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return positional, nil
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
}
