package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/meshwasm/meshwasm/build/image"
)

func runImage(_ context.Context, args []string) error {
	fs := flag.NewFlagSet("image", flag.ContinueOnError)
	name := fs.String("name", "", "image title, usually the filter's name (default: the module's directory)")
	out := fs.String("o", "", "OCI image layout `dir` to write (default: image/ beside the module)")
	digestFile := fs.String("digest-file", "", "`file` to write the manifest digest to (default: image.digest beside the layout)")
	var opts image.Options
	fs.StringVar(&opts.Version, "version", "", "version annotation (org.opencontainers.image.version)")
	fs.StringVar(&opts.Revision, "revision", "", "source revision annotation (org.opencontainers.image.revision)")
	fs.StringVar(&opts.Source, "source", "", "source repository URL annotation (org.opencontainers.image.source)")
	fs.StringVar(&opts.Description, "description", "", "description annotation (org.opencontainers.image.description)")
	fs.BoolVar(&opts.Artifact, "artifact", false, "build the wasm-artifact variant (two layers, wasm media types) instead of the default compat image")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return errors.New("usage: meshwasm image WASM -name NAME -o LAYOUT [-digest-file F] [-version V] [-revision R] [-source URL] [-description TEXT] [-artifact]")
	}
	start := time.Now()
	wasmPath := pos[0]
	if *name == "" {
		*name = filepath.Base(filepath.Dir(wasmPath))
	}
	if *out == "" {
		*out = filepath.Join(filepath.Dir(wasmPath), "image")
	}
	if *digestFile == "" {
		*digestFile = filepath.Join(filepath.Dir(filepath.Clean(*out)), "image.digest")
	}
	opts.Name = *name
	module, err := os.ReadFile(wasmPath)
	if err != nil {
		return fmt.Errorf("reading the module: %w", err)
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
		return fmt.Errorf("writing the digest file: %w", err)
	}
	fmt.Printf("%s: wasm %s -> image %s (%s, %.2fs)\n", *name, humanSize(int64(len(module))), digest, *out, time.Since(start).Seconds())
	return nil
}
