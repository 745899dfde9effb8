package main

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"github.com/meshwasm/meshwasm/build/image"
	"github.com/meshwasm/meshwasm/build/manifest"
)

func runManifest(_ context.Context, args []string) error {
	fs := flag.NewFlagSet("manifest", flag.ContinueOnError)
	template := fs.String("template", "", "the filter's hand-written WasmPlugin `file`")
	layoutDir := fs.String("layout", "", "OCI image layout `dir` whose manifest digest to pin in spec.sha256")
	url := fs.String("url", "", "spec.url: oci://REGISTRY/REPOSITORY:TAG")
	out := fs.String("o", "", "WasmPlugin `file` to write")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 || *template == "" || *layoutDir == "" || *url == "" || *out == "" {
		return errors.New("usage: meshwasm manifest -template T -layout LAYOUT -url oci://... -o FILE")
	}
	img, err := image.ReadLayout(*layoutDir)
	if err != nil {
		return err
	}
	digest, err := img.Digest()
	if err != nil {
		return fmt.Errorf("computing the image digest: %w", err)
	}
	if err := manifest.WriteFile(*template, *out, *url, digest.String()); err != nil {
		return err
	}
	fmt.Printf("%s: manifest %s (%s)\n", image.Title(img, *url), *out, *url)
	return nil
}
