package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/meshwasm/meshwasm/build/image"
	"github.com/meshwasm/meshwasm/build/manifest"
)

func runImage(_ context.Context, args []string) error {
	fs := flag.NewFlagSet("image", flag.ContinueOnError)
	name := fs.String("name", "", "image title, usually the filter's name (default: the module's directory)")
	out := fs.String("o", "", "OCI image layout `dir` to write (default: image/ beside the module)")
	digestFile := fs.String("digest-file", "", "`file` to write the manifest digest to (default: image.digest beside the module)")
	var opts image.Options
	fs.StringVar(&opts.Version, "version", "", "image version annotation")
	fs.StringVar(&opts.Revision, "revision", "", "source revision annotation")
	fs.StringVar(&opts.Source, "source", "", "source repository URL annotation")
	fs.StringVar(&opts.Description, "description", "", "description annotation")
	fs.BoolVar(&opts.Artifact, "artifact", false, "build the wasm-artifact variant (custom media types, two layers) instead of compat")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return errors.New("usage: meshwasm image WASM -name NAME -o LAYOUT")
	}
	wasmPath := pos[0]
	dir := filepath.Dir(wasmPath)
	if *name == "" {
		*name = filepath.Base(dir)
	}
	if *out == "" {
		*out = filepath.Join(dir, "image")
	}
	if *digestFile == "" {
		*digestFile = filepath.Join(dir, "image.digest")
	}
	opts.Name = *name
	module, err := os.ReadFile(wasmPath)
	if err != nil {
		return err
	}
	img, err := image.Build(module, opts)
	if err != nil {
		return fmt.Errorf("%s: %w", wasmPath, err)
	}
	digest, err := image.WriteLayout(*out, img)
	if err != nil {
		return err
	}
	if err := os.WriteFile(*digestFile, []byte(digest.String()+"\n"), 0o644); err != nil {
		return err
	}
	fmt.Printf("%s: wasm %s -> image %s (%s)\n", *name, humanSize(int64(len(module))), digest, *out)
	return nil
}

func runPush(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("push", flag.ContinueOnError)
	ref := fs.String("ref", "", "`REGISTRY/REPOSITORY:TAG` to push to")
	insecure := fs.Bool("insecure", os.Getenv("INSECURE") == "1", "plain HTTP registry (also INSECURE=1)")
	template := fs.String("manifest-template", "", "WasmPlugin `file` to render with the pushed reference")
	manifestOut := fs.String("manifest-out", "", "where to write the rendered WasmPlugin")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || *ref == "" {
		return errors.New("usage: meshwasm push LAYOUT -ref REGISTRY/REPOSITORY:TAG [-insecure]")
	}
	img, err := image.ReadLayout(pos[0])
	if err != nil {
		return err
	}
	pushed, err := image.Push(ctx, img, *ref, *insecure)
	if err != nil {
		return err
	}
	// REGISTRY/REPO:TAG@sha256:HEX: readable, and pinned to what was pushed.
	full := *ref + "@" + pushed.DigestStr()
	title := image.Title(img, *ref)
	if *template != "" && *manifestOut != "" {
		if err := manifest.WriteFile(*template, *manifestOut, "oci://"+full, pushed.DigestStr()); err != nil {
			return err
		}
		fmt.Printf("%s: pushed %s -> %s\n", title, full, *manifestOut)
		return nil
	}
	fmt.Printf("%s: pushed %s\n", title, full)
	return nil
}

func runManifest(_ context.Context, args []string) error {
	fs := flag.NewFlagSet("manifest", flag.ContinueOnError)
	template := fs.String("template", "", "the filter's hand-written WasmPlugin `file`")
	layoutDir := fs.String("layout", "", "OCI image layout `dir` whose digest to pin")
	url := fs.String("url", "", "image URL, oci://REGISTRY/REPOSITORY:TAG")
	out := fs.String("o", "", "WasmPlugin `file` to write")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	if *template == "" || *layoutDir == "" || *url == "" || *out == "" {
		return errors.New("usage: meshwasm manifest -template T -layout LAYOUT -url oci://... -o FILE")
	}
	img, err := image.ReadLayout(*layoutDir)
	if err != nil {
		return err
	}
	digest, err := img.Digest()
	if err != nil {
		return err
	}
	if err := manifest.WriteFile(*template, *out, *url, digest.String()); err != nil {
		return err
	}
	name := strings.TrimSuffix(filepath.Base(filepath.Dir(filepath.Clean(*out))), "/")
	fmt.Printf("%s: manifest %s (%s)\n", name, *out, *url)
	return nil
}
