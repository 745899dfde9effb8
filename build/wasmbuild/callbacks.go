package wasmbuild

import (
	"context"
	"encoding/json"
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/meshwasm/meshwasm/build/binding"
)

// sdkTypes is the SDK package whose DefaultHttpContext gives every context
// the optional callbacks' methods, doing nothing.
const sdkTypes = binding.SDKModule + "/proxywasm/types"

// pruneBinding rewrites the binding written by writeOverlay without the
// optional callbacks (binding.Optional) that the filter does not implement.
//
// A filter implements one when some type of the program declares its method:
// Go declares methods only on named types at package level, so every type an
// HttpContext value can hold, whatever interface or embedding brought it
// there, gets the method from one of those declarations. The program's
// packages are the ones `go list -deps` selects for this very build (same
// GOOS, GOARCH and workspace); a declaration of the method with any receiver
// other than types.DefaultHttpContext, in any of them, keeps the callback.
// Anything the scan cannot read keeps every callback. flags are the build's
// own flags that choose files (-tags): the scan must see what the build
// compiles.
func pruneBinding(ctx context.Context, dir, gowork, tmp string, flags ...string) error {
	env := []string{"GOOS=wasip1", "GOARCH=wasm", "CGO_ENABLED=0", "GOWORK=" + gowork}
	unused, err := unusedCallbacks(ctx, dir, env, flags)
	if err != nil || len(unused) == 0 {
		return nil
	}
	src, err := binding.SourceWithout(unused)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(tmp, binding.FileName), src, 0o644)
}

type listedPackage struct {
	ImportPath string
	Dir        string
	GoFiles    []string
	Standard   bool
}

// unusedCallbacks returns the optional callbacks whose method no package of
// the build declares, sorted.
func unusedCallbacks(ctx context.Context, dir string, env, flags []string) ([]string, error) {
	args := append(append([]string{"list", "-deps"}, flags...), "-json=ImportPath,Dir,GoFiles,Standard", ".")
	out, err := goOutput(ctx, dir, env, args...)
	if err != nil {
		return nil, err
	}
	methods := map[string]bool{}
	for _, m := range binding.Optional {
		methods[m] = true
	}
	declared := map[string]bool{}
	dec := json.NewDecoder(strings.NewReader(out))
	for {
		var p listedPackage
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, err
		}
		// The standard library knows nothing of proxy-wasm.
		if p.Standard {
			continue
		}
		for _, name := range p.GoFiles {
			found, err := declaredMethods(filepath.Join(p.Dir, name), p.ImportPath == sdkTypes, methods)
			if err != nil {
				return nil, err
			}
			for m := range found {
				declared[m] = true
			}
		}
	}
	var unused []string
	for callback, m := range binding.Optional {
		if !declared[m] {
			unused = append(unused, callback)
		}
	}
	sort.Strings(unused)
	return unused, nil
}

// declaredMethods returns which of methods the file declares on any type
// (on any type but DefaultHttpContext in the SDK's types package).
func declaredMethods(path string, sdk bool, methods map[string]bool) (map[string]bool, error) {
	file, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.SkipObjectResolution)
	if err != nil {
		return nil, err
	}
	found := map[string]bool{}
	for _, decl := range file.Decls {
		fn, ok := decl.(*ast.FuncDecl)
		if !ok || fn.Recv == nil || !methods[fn.Name.Name] {
			continue
		}
		if sdk && receiverName(fn.Recv) == "DefaultHttpContext" {
			continue
		}
		found[fn.Name.Name] = true
	}
	return found, nil
}

// receiverName is the type name of a method's receiver: T for T, *T, T[P]
// and *T[P].
func receiverName(recv *ast.FieldList) string {
	if len(recv.List) != 1 {
		return ""
	}
	t := recv.List[0].Type
	if star, ok := t.(*ast.StarExpr); ok {
		t = star.X
	}
	switch x := t.(type) {
	case *ast.IndexExpr:
		t = x.X
	case *ast.IndexListExpr:
		t = x.X
	}
	if id, ok := t.(*ast.Ident); ok {
		return id.Name
	}
	return ""
}
