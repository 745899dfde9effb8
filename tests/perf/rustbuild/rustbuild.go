// Package rustbuild builds the Rust twins of the benchmark modules
// (tests/perf/rust: the no-op floor, addheader and regexrepl written in Rust
// against the proxy-wasm ABI) with Debian's cargo and rustc, offline, from
// the crates Debian installs under /usr/share/cargo/registry.
//
// Debian's toolchain is called by path: a rustup toolchain earlier on PATH
// usually has no wasm32 standard library, and cargo runs whatever rustc
// RUSTC names.
package rustbuild

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// Packages are the Debian packages the build needs.
var Packages = []string{"cargo", "libstd-rust-dev-wasm32", "librust-regex-dev", "librust-serde-json-dev"}

// Target is the wasm target the twins build for: no WASI imports, like a
// proxy-wasm Rust SDK filter.
const Target = "wasm32-unknown-unknown"

// DefaultCargo is Debian's cargo.
const DefaultCargo = "/usr/bin/cargo"

// Registry is where Debian's librust-*-dev packages put their crates; the
// twins' .cargo/config.toml points cargo at it.
const Registry = "/usr/share/cargo/registry"

// crates are the registry crates the twins depend on, with the package that
// installs each.
var crates = []struct{ name, pkg string }{
	{"regex", "librust-regex-dev"},
	{"serde_json", "librust-serde-json-dev"},
}

// Dir is the twins' cargo workspace in the repository.
func Dir(root string) string { return filepath.Join(root, "tests", "perf", "rust") }

// cdylib matches a crate that builds a module.
var cdylib = regexp.MustCompile(`(?m)^crate-type\s*=\s*\[\s*"cdylib"\s*\]`)

// Twins lists the crates of the workspace that build a module (crate-type
// cdylib), by directory name, which is also the name of the Go filter or
// test module each one is the twin of. The ABI and configuration crates are
// libraries and are not listed.
func Twins(root string) ([]string, error) {
	manifests, err := filepath.Glob(filepath.Join(Dir(root), "*", "Cargo.toml"))
	if err != nil {
		return nil, err
	}
	var out []string
	for _, m := range manifests {
		data, err := os.ReadFile(m)
		if err != nil {
			return nil, err
		}
		if cdylib.Match(data) {
			out = append(out, filepath.Base(filepath.Dir(m)))
		}
	}
	sort.Strings(out)
	if len(out) == 0 {
		return nil, fmt.Errorf("no module crates (crate-type = [\"cdylib\"]) under %s", Dir(root))
	}
	return out, nil
}

// Check reports, in one line, what of the toolchain is missing and the apt
// command that installs it; nil when the build can run.
func Check(ctx context.Context, cargo string) error {
	var missing []string
	rustc := filepath.Join(filepath.Dir(cargo), "rustc")
	if _, err := os.Stat(cargo); err != nil {
		missing = append(missing, cargo)
	}
	if _, err := os.Stat(rustc); err != nil {
		missing = append(missing, rustc)
	} else if sysroot, err := exec.CommandContext(ctx, rustc, "--print", "sysroot").Output(); err != nil {
		missing = append(missing, rustc+" (does not run)")
	} else if _, err := os.Stat(filepath.Join(strings.TrimSpace(string(sysroot)), "lib", "rustlib", Target, "lib")); err != nil {
		missing = append(missing, "the "+Target+" standard library")
	}
	for _, c := range crates {
		if m, _ := filepath.Glob(filepath.Join(Registry, c.name+"-[0-9]*")); len(m) == 0 {
			missing = append(missing, c.name+" in "+Registry)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	return fmt.Errorf("the Rust twins need Debian's Rust toolchain and crates: apt-get install %s (missing: %s)",
		strings.Join(Packages, " "), strings.Join(missing, ", "))
}

// Build builds every twin in release mode with cargo (Debian's when empty)
// into targetDir and returns each module's path by twin name.
func Build(ctx context.Context, root, cargo, targetDir string) (map[string]string, error) {
	if cargo == "" {
		cargo = DefaultCargo
	}
	if err := Check(ctx, cargo); err != nil {
		return nil, err
	}
	twins, err := Twins(root)
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, cargo, "build", "--release", "--offline", "--target", Target, "--target-dir", targetDir)
	cmd.Dir = Dir(root)
	// Debian's rustc beside Debian's cargo, whatever PATH says; the rest of
	// the environment (HOME, CARGO_HOME) as the caller has it.
	cmd.Env = append(os.Environ(), "RUSTC="+filepath.Join(filepath.Dir(cargo), "rustc"), "CARGO_TERM_COLOR=never")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("cargo build in %s: %w\n%s", cmd.Dir, err, out.Bytes())
	}
	modules := map[string]string{}
	for _, name := range twins {
		path := filepath.Join(targetDir, Target, "release", name+".wasm")
		if _, err := os.Stat(path); err != nil {
			return nil, fmt.Errorf("cargo built no %s: %w", path, err)
		}
		modules[name] = path
	}
	return modules, nil
}

// Version is the rustc version Build uses ("rustc 1.63.0"), or an error.
func Version(ctx context.Context, cargo string) (string, error) {
	if cargo == "" {
		cargo = DefaultCargo
	}
	out, err := exec.CommandContext(ctx, filepath.Join(filepath.Dir(cargo), "rustc"), "--version").Output()
	if err != nil {
		return "", errors.New("rustc --version: " + err.Error())
	}
	return strings.TrimSpace(string(out)), nil
}
