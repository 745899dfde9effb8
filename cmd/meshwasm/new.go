package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/meshwasm/meshwasm/build/scaffold"
)

// runNew scaffolds filters/<name>/ from the template in build/scaffold.
func runNew(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("new", flag.ContinueOnError)
	name := fs.String("name", "", "the filter's name: [a-z][a-z0-9]*")
	root := fs.String("root", ".", "the repository root (holds go.work and filters/)")
	rest, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return fmt.Errorf("unexpected arguments %q (usage: meshwasm new -name NAME [-root DIR])", rest)
	}
	if *name == "" {
		return fmt.Errorf("-name is required (usage: meshwasm new -name NAME [-root DIR])")
	}
	if err := scaffold.New(ctx, scaffold.Options{Root: *root, Name: *name}); err != nil {
		return err
	}
	dir := filepath.Join("filters", *name)
	fmt.Fprintf(os.Stderr, "created %s (added to go.work): make %s builds it, go test ./%s runs its tests\n", dir, *name, dir)
	return nil
}
