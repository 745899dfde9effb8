//go:build !meshwasm_offline

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"

	"github.com/meshwasm/meshwasm/build/image"
	"github.com/meshwasm/meshwasm/build/manifest"
	"github.com/meshwasm/meshwasm/build/registry"
)

func runPush(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("push", flag.ContinueOnError)
	ref := fs.String("ref", "", "`REGISTRY/REPOSITORY:TAG` to push to, e.g. localhost:5000/meshwasm/addheader:dev")
	// Istio's agent retries such a registry over plain HTTP when it answers
	// HTTP to HTTPS (recent releases only for registries listed in the
	// agent's WASM_INSECURE_REGISTRIES), so these images are usable too.
	insecureEnv, _ := strconv.ParseBool(os.Getenv("INSECURE"))
	insecure := fs.Bool("insecure", insecureEnv, "speak plain HTTP to the registry (also INSECURE=1)")
	template := fs.String("manifest-template", "", "the filter's WasmPlugin `file` to render with the pushed reference")
	manifestOut := fs.String("manifest-out", "", "`file` to write that WasmPlugin to")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || *ref == "" {
		return errors.New("usage: meshwasm push LAYOUT -ref REGISTRY/REPOSITORY:TAG [-insecure] [-manifest-template T -manifest-out F]")
	}
	if (*template == "") != (*manifestOut == "") {
		return errors.New("-manifest-template and -manifest-out go together")
	}
	img, err := image.ReadLayout(pos[0])
	if err != nil {
		return err
	}
	pushed, err := registry.Push(ctx, img, *ref, *insecure)
	if err != nil {
		return err
	}
	// REGISTRY/REPO:TAG@sha256:HEX: readable, and pinned to what was pushed.
	full := *ref + "@" + pushed.DigestStr()
	title := image.Title(img, *ref)
	if *template == "" {
		fmt.Printf("%s: pushed %s\n", title, full)
		return nil
	}
	if err := manifest.WriteFile(*template, *manifestOut, "oci://"+full, pushed.DigestStr()); err != nil {
		return err
	}
	fmt.Printf("%s: pushed %s -> %s\n", title, full, *manifestOut)
	return nil
}
