// Package wasmbuild compiles a proxy-wasm filter written against the
// tetratelabs Go SDK into a proxy-wasm module with the standard Go toolchain.
//
// The SDK only declares its host calls for TinyGo. Build adds meshwasm's
// standard-Go binding to the SDK's internal package for this one build, using
// `go build -overlay`, without copying or changing the SDK's source:
//
//   - Go refuses overlay entries under GOMODCACHE, so the SDK is reached
//     through a symlink in a temporary directory, which a generated go.work
//     (used through GOWORK) substitutes for the SDK module;
//   - the overlay deletes the SDK's emulator-backed host-call file and adds
//     the binding beside the SDK's callback handlers.
//
// The generated files hold absolute paths, so they are made anew for every
// build and removed afterwards: a stale one would silently build a module
// without the binding once the checkout moves.
//
// The same overlay stubs the standard library's WASI imports that the target
// Envoy lacks (see stubs.go), and the linked module gets a start function
// every host can call (wasmedit.AddStart).
package wasmbuild

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"github.com/meshwasm/meshwasm/build/binding"
	"github.com/meshwasm/meshwasm/build/envoyabi"
	"github.com/meshwasm/meshwasm/build/wasmedit"
)

// Toolchains Build accepts.
const (
	ToolchainGo     = "go"
	ToolchainTinyGo = "tinygo"
)

// Options says what to build and where to put it.
type Options struct {
	// Dir is the filter's main package directory.
	Dir string
	// Output is the .wasm file to write.
	Output string
	// Toolchain is ToolchainGo (default) or ToolchainTinyGo.
	Toolchain string
	// KeepDebug keeps DWARF and the symbol table (-s -w are dropped). The
	// default strips them: they are large and Envoy does not use them.
	KeepDebug bool
	// Tags are extra build tags, as `go build -tags` takes them.
	Tags []string
	// Envoy is the oldest Envoy release the module must load in ("1.33");
	// empty means envoyabi.Oldest. The module imports only what that
	// release's proxy-wasm host provides.
	Envoy string
	// Log receives the build's notes, one line each (nil: none).
	Log io.Writer
}

func (o Options) logf(format string, args ...any) {
	if o.Log != nil {
		fmt.Fprintf(o.Log, format+"\n", args...)
	}
}

// Error is a build failure a user can act on, in one line, with the
// compiler's output (if any) kept apart.
type Error struct {
	Msg    string
	Output string
}

func (e *Error) Error() string {
	if e.Output == "" {
		return e.Msg
	}
	return e.Msg + ":\n" + strings.TrimRight(e.Output, "\n")
}

// Build compiles opts.Dir into opts.Output.
func Build(ctx context.Context, opts Options) error {
	dir, err := filepath.Abs(opts.Dir)
	if err != nil {
		return err
	}
	out, err := filepath.Abs(opts.Output)
	if err != nil {
		return err
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return &Error{Msg: fmt.Sprintf("%s: not a directory", opts.Dir)}
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return err
	}
	for _, tag := range opts.Tags {
		if tag == "" || strings.ContainsAny(tag, ", \t\"'") {
			return &Error{Msg: fmt.Sprintf("build tag %q: want a name (tags are given as a,b)", tag)}
		}
	}
	switch opts.Toolchain {
	case "", ToolchainGo:
		return buildGo(ctx, dir, out, opts)
	case ToolchainTinyGo:
		return buildTinyGo(ctx, dir, out, opts.Tags)
	default:
		return &Error{Msg: fmt.Sprintf("unknown toolchain %q (want %q or %q)", opts.Toolchain, ToolchainGo, ToolchainTinyGo)}
	}
}

type module struct {
	Path    string
	Version string
	Dir     string
	GoMod   string
	Replace *module
}

func buildGo(ctx context.Context, dir, out string, opts Options) error {
	envoy := opts.Envoy
	if envoy == "" {
		envoy = envoyabi.Oldest
	}
	target, err := envoyabi.Parse(envoy)
	if err != nil {
		return &Error{Msg: err.Error()}
	}
	ws, err := resolveWorkspace(ctx, dir, opts)
	if err != nil {
		return err
	}
	var tags []string
	if len(opts.Tags) > 0 {
		tags = []string{"-tags=" + strings.Join(opts.Tags, ",")}
	}
	if err := checkMainPackage(ctx, dir, ws.env, tags); err != nil {
		return err
	}
	sdk, err := findSDK(ctx, dir, ws.env)
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "meshwasm-build-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	sdkLink := filepath.Join(tmp, "sdk")
	if err := os.Symlink(sdk.Dir, sdkLink); err != nil {
		return err
	}
	gowork, err := writeWorkspace(ctx, dir, tmp, sdkLink, ws)
	if err != nil {
		return err
	}
	env := []string{"GOOS=wasip1", "GOARCH=wasm", "GOWORK=" + gowork, "CGO_ENABLED=0"}
	stubs, err := writeStubs(ctx, dir, tmp, env, tags, target)
	if err != nil {
		return err
	}
	overlay, err := writeOverlay(tmp, sdkLink, stubs.files)
	if err != nil {
		return err
	}
	if err := pruneBinding(ctx, dir, gowork, tmp, tags...); err != nil {
		return err
	}

	// An empty build ID: Go derives it from action IDs that include the
	// temporary paths of this build, so it would differ on every build.
	// The symbol table (the "name" section) is kept for the linker's output
	// and dropped below: it tells which stubbed functions were linked.
	ldflags := "-w -buildid="
	if opts.KeepDebug {
		ldflags = "-buildid="
	}
	linked := filepath.Join(tmp, "plugin.wasm")
	args := append([]string{"build", "-overlay", overlay, "-buildmode=c-shared", "-trimpath", "-buildvcs=false",
		"-ldflags=" + ldflags}, tags...)
	args = append(args, "-o", linked, ".")
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var stderr bytes.Buffer
	cmd.Stdout = &stderr
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return &Error{Msg: fmt.Sprintf("%s: build failed (%v)", dir, err), Output: stderr.String()}
	}
	module, err := os.ReadFile(linked)
	if err != nil {
		return err
	}
	module, err = finish(module, stubs, target, opts)
	if err != nil {
		return err
	}
	return os.WriteFile(out, module, 0o644)
}

// finish turns the linker's module into the one meshwasm ships: it reports
// the stubbed imports, drops the symbol table unless asked to keep it, adds
// the start function every host can call, and checks the imports against
// what the target Envoy provides.
func finish(module []byte, stubs *stubSet, target envoyabi.Version, opts Options) ([]byte, error) {
	names, err := wasmedit.FunctionNames(module)
	if err != nil {
		return nil, err
	}
	if used := stubs.linked(names); len(used) > 0 {
		opts.logf("stubbed for Envoy %s (return ENOSYS): %s", target, strings.Join(used, ", "))
	}
	if !opts.KeepDebug {
		if module, err = wasmedit.StripNames(module); err != nil {
			return nil, err
		}
	}
	if module, err = wasmedit.AddStart(module); err != nil {
		return nil, fmt.Errorf("adding the start function: %w", err)
	}
	imports, err := wasmedit.Imports(module)
	if err != nil {
		return nil, err
	}
	provided := map[string]bool{}
	for _, name := range envoyabi.Imports(target) {
		provided[name] = true
	}
	var missing []string
	for _, imp := range imports {
		if !provided[imp.String()] {
			missing = append(missing, imp.String())
		}
	}
	if len(missing) > 0 {
		return nil, &Error{Msg: fmt.Sprintf("%s: the module imports %s, which Envoy %s does not provide (only the standard library's WASI imports are stubbed)",
			opts.Dir, strings.Join(missing, ", "), target)}
	}
	return module, nil
}

func checkMainPackage(ctx context.Context, dir string, env, tags []string) error {
	args := append(append([]string{"list"}, tags...), "-f", "{{.Name}}", ".")
	name, err := goOutput(ctx, dir, env, args...)
	if err != nil {
		return &Error{Msg: fmt.Sprintf("%s: not a buildable Go package", dir), Output: err.Error()}
	}
	if strings.TrimSpace(name) != "main" {
		return &Error{Msg: fmt.Sprintf("%s: package %s is not a main package (a filter is built from package main)", dir, strings.TrimSpace(name))}
	}
	return nil
}

// findSDK locates the SDK module the filter resolves, downloading it if the
// module cache lacks it, and refuses any version but the binding's.
func findSDK(ctx context.Context, dir string, env []string) (*module, error) {
	raw, err := goOutput(ctx, dir, env, "list", "-m", "-json", binding.SDKModule)
	if err != nil {
		return nil, &Error{Msg: fmt.Sprintf("%s: the module does not depend on %s (require %s %s in its go.mod)",
			dir, binding.SDKModule, binding.SDKModule, binding.SDKVersion)}
	}
	var m module
	if err := json.Unmarshal([]byte(raw), &m); err != nil {
		return nil, err
	}
	if m.Replace != nil {
		return nil, &Error{Msg: fmt.Sprintf("%s: %s is replaced (=> %s); meshwasm binds only the published %s %s",
			dir, binding.SDKModule, m.Replace.Path, binding.SDKModule, binding.SDKVersion)}
	}
	if m.Version != binding.SDKVersion {
		return nil, &Error{Msg: fmt.Sprintf("%s: requires %s %s, but meshwasm's binding supports only %s",
			dir, binding.SDKModule, m.Version, binding.SDKVersion)}
	}
	if m.Dir == "" {
		if _, err := goOutput(ctx, dir, env, "mod", "download", binding.SDKModule+"@"+binding.SDKVersion); err != nil {
			return nil, &Error{Msg: fmt.Sprintf("downloading %s@%s failed", binding.SDKModule, binding.SDKVersion), Output: err.Error()}
		}
		raw, err := goOutput(ctx, dir, env, "list", "-m", "-json", binding.SDKModule)
		if err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(raw), &m); err != nil {
			return nil, err
		}
	}
	if _, err := os.Stat(filepath.Join(m.Dir, binding.InternalPackageDir, binding.ReplacedFile)); err != nil {
		return nil, &Error{Msg: fmt.Sprintf("%s in %s does not have the layout the binding expects", binding.SDKModule, m.Dir)}
	}
	return &m, nil
}

type workFile struct {
	Use []struct {
		DiskPath string
	}
	Replace []struct {
		Old module
		New module
	}
}

// workspace is how the filter's module resolves its dependencies: within the
// go.work that uses it, or on its own.
type workspace struct {
	file     string   // the go.work in effect, or ""
	uses     []string // module directories
	replaces []string // replace directives of the go.work
	env      []string // GOWORK setting for go commands about the filter
}

func resolveWorkspace(ctx context.Context, dir string, opts Options) (*workspace, error) {
	root, err := goOutput(ctx, dir, []string{"GOWORK=off"}, "list", "-m", "-f", "{{.Dir}}")
	if err != nil {
		return nil, &Error{Msg: fmt.Sprintf("%s: not inside a Go module (run `go mod init`)", dir), Output: err.Error()}
	}
	root = strings.TrimSpace(root)
	alone := &workspace{uses: []string{root}, env: []string{"GOWORK=off"}}
	current, err := goOutput(ctx, dir, nil, "env", "GOWORK")
	if err != nil {
		return nil, err
	}
	current = strings.TrimSpace(current)
	if current == "" || current == "off" {
		return alone, nil
	}
	uses, replaces, err := readWorkspace(ctx, dir, current)
	if err != nil {
		return nil, err
	}
	// A module below a workspace's folder but not used by it (a test
	// fixture, a user's filter) builds on its own.
	if !slices.Contains(uses, root) {
		return alone, nil
	}
	// A filter's own go.work often names modules that are not part of what
	// was copied or cloned (test harnesses, sibling repositories): the
	// filter's module still builds on its own.
	if _, err := goOutput(ctx, dir, []string{"GOWORK=" + current}, "list", "-m"); err != nil {
		opts.logf("%s: %s cannot load (%s); building the module on its own (GOWORK=off)",
			filepath.Base(dir), current, firstLine(err.Error()))
		return alone, nil
	}
	return &workspace{file: current, uses: uses, replaces: replaces, env: []string{"GOWORK=" + current}}, nil
}

// writeWorkspace writes a go.work with the filter's modules that replaces the
// SDK with the symlink.
func writeWorkspace(ctx context.Context, dir, tmp, sdkLink string, ws *workspace) (string, error) {
	goVersion, err := goOutput(ctx, dir, nil, "env", "GOVERSION")
	if err != nil {
		return "", err
	}
	version := strings.TrimPrefix(strings.TrimSpace(goVersion), "go")
	if i := strings.IndexAny(version, " -"); i >= 0 {
		version = version[:i]
	}
	if ws.file != "" {
		if sum, err := os.ReadFile(ws.file + ".sum"); err == nil {
			if err := os.WriteFile(filepath.Join(tmp, "go.work.sum"), sum, 0o644); err != nil {
				return "", err
			}
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "// Generated by meshwasm for one build; do not edit.\ngo %s\n\n", version)
	for _, u := range ws.uses {
		fmt.Fprintf(&b, "use %q\n", u)
	}
	for _, r := range ws.replaces {
		b.WriteString(r + "\n")
	}
	// The replacement is written relative to the go.work: the module's
	// embedded build information records it as written, and an absolute
	// temporary path would make every build's bytes differ.
	rel, err := filepath.Rel(tmp, sdkLink)
	if err != nil {
		return "", err
	}
	fmt.Fprintf(&b, "replace %s %s => ./%s\n", binding.SDKModule, binding.SDKVersion, filepath.ToSlash(rel))
	path := filepath.Join(tmp, "go.work")
	return path, os.WriteFile(path, []byte(b.String()), 0o644)
}

// readWorkspace returns a go.work's modules as absolute paths and its
// replace directives, except any for the SDK.
func readWorkspace(ctx context.Context, dir, gowork string) (uses, replaces []string, err error) {
	raw, err := goOutput(ctx, dir, nil, "work", "edit", "-json", gowork)
	if err != nil {
		return nil, nil, err
	}
	var wf workFile
	if err := json.Unmarshal([]byte(raw), &wf); err != nil {
		return nil, nil, err
	}
	base := filepath.Dir(gowork)
	for _, u := range wf.Use {
		p := u.DiskPath
		if !filepath.IsAbs(p) {
			p = filepath.Join(base, p)
		}
		uses = append(uses, filepath.Clean(p))
	}
	for _, r := range wf.Replace {
		if r.Old.Path == binding.SDKModule {
			continue
		}
		target := r.New.Path
		if r.New.Version != "" {
			target += " " + r.New.Version
		} else if !filepath.IsAbs(target) {
			target = filepath.Join(base, target)
		}
		old := r.Old.Path
		if r.Old.Version != "" {
			old += " " + r.Old.Version
		}
		replaces = append(replaces, fmt.Sprintf("replace %s => %s", old, target))
	}
	return uses, replaces, nil
}

// writeOverlay writes the binding and the overlay that swaps it in, with the
// standard-library files replaced by their stubbed copies.
func writeOverlay(tmp, sdkLink string, stubbed map[string]string) (string, error) {
	src := filepath.Join(tmp, binding.FileName)
	if err := os.WriteFile(src, binding.Source, 0o644); err != nil {
		return "", err
	}
	internal := filepath.Join(sdkLink, filepath.FromSlash(binding.InternalPackageDir))
	overlay := map[string]map[string]string{"Replace": {
		filepath.Join(internal, binding.ReplacedFile): "",
		filepath.Join(internal, binding.FileName):     src,
	}}
	for file, stubCopy := range stubbed {
		overlay["Replace"][file] = stubCopy
	}
	data, err := json.Marshal(overlay)
	if err != nil {
		return "", err
	}
	path := filepath.Join(tmp, "overlay.json")
	return path, os.WriteFile(path, data, 0o644)
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}

func goOutput(ctx context.Context, dir string, env []string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		return "", errors.New(msg)
	}
	return stdout.String(), nil
}
