package wasmedit

import (
	"bytes"
	"context"
	"encoding/binary"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

func sec(id byte, body ...byte) []byte {
	return append(append([]byte{id}, binary.AppendUvarint(nil, uint64(len(body)))...), body...)
}

func str(s string) []byte { return append([]byte{byte(len(s))}, s...) }

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// reactor is a module shaped like a Go c-shared one, small enough to read:
// it imports env.f (so defined functions start at index 1), its
// "_initialize" adds 1 to a global every time it runs, "runs" reads it, and
// a "name" section names its functions. The import and code sections are
// written with padded LEB128 sizes, as the Go linker writes them.
func reactor(exportStart bool) []byte {
	exports := cat([]byte{2}, str("_initialize"), []byte{0, 1}, str("runs"), []byte{0, 2})
	if exportStart {
		exports = cat([]byte{3}, exports[1:], str("_start"), []byte{0, 1})
	}
	padded := func(id byte, body []byte) []byte {
		n := len(body)
		return cat([]byte{id, byte(n&0x7f | 0x80), byte(n>>7&0x7f | 0x80), 0x80, 0x80, 0x00}, body)
	}
	code := cat([]byte{2},
		// runs += 1
		[]byte{9, 0x00, 0x23, 0x00, 0x41, 0x01, 0x6a, 0x24, 0x00, 0x0b},
		// return runs
		[]byte{4, 0x00, 0x23, 0x00, 0x0b})
	names := cat(str("name"), []byte{1}, func() []byte {
		fn := cat([]byte{3, 0}, str("env.f"), []byte{1}, str("runtime.init"), []byte{2}, str("main.runs"))
		return append(binary.AppendUvarint(nil, uint64(len(fn))), fn...)
	}())
	return cat(header,
		sec(secType, 2, 0x60, 0, 0, 0x60, 0, 1, 0x7f),
		padded(secImport, cat([]byte{1}, str("env"), str("f"), []byte{0, 0})),
		sec(secFunction, 2, 0, 1),
		sec(5, 1, 0, 1), // one memory, as a Go module has
		sec(secGlobal, 1, 0x7f, 0x01, 0x41, 0x00, 0x0b),
		sec(secExport, exports...),
		padded(secCode, code),
		sec(secCustom, names...),
	)
}

// instance instantiates a module without running any start function, with
// a no-op env.f.
func instance(t *testing.T, module []byte) api.Module {
	ctx := context.Background()
	r := wazero.NewRuntime(ctx)
	t.Cleanup(func() { r.Close(ctx) })
	_, err := r.NewHostModuleBuilder("env").NewFunctionBuilder().WithFunc(func() {}).Export("f").Instantiate(ctx)
	require.NoError(t, err)
	mod, err := r.InstantiateWithConfig(ctx, module, wazero.NewModuleConfig().WithStartFunctions())
	require.NoError(t, err)
	return mod
}

func TestAddStart_InitialisesOnceWhateverTheHostCalls(t *testing.T) {
	in := reactor(false)
	// Without AddStart, each call of _initialize runs it again.
	mod := instance(t, in)
	for i := 0; i < 2; i++ {
		_, err := mod.ExportedFunction("_initialize").Call(context.Background())
		require.NoError(t, err)
	}
	runs, err := mod.ExportedFunction("runs").Call(context.Background())
	require.NoError(t, err)
	require.Equal(t, uint64(2), runs[0])

	out, err := AddStart(in)
	require.NoError(t, err)
	for _, calls := range [][]string{
		{"_start"},                               // proxytest, wazero's default
		{"_initialize"},                          // Envoy (proxy-wasm-cpp-host)
		{"_initialize", "_start"},                // a host calling both
		{"_start", "_start"},                     // twice
		{"_start", "_initialize", "_initialize"}, // any mix
	} {
		mod := instance(t, out)
		for _, name := range calls {
			fn := mod.ExportedFunction(name)
			require.NotNil(t, fn, name)
			_, err := fn.Call(context.Background())
			require.NoError(t, err)
		}
		runs, err := mod.ExportedFunction("runs").Call(context.Background())
		require.NoError(t, err)
		require.Equal(t, uint64(1), runs[0], "%v", calls)
	}

	// wazero's default configuration calls _start on instantiation.
	ctx := context.Background()
	r := wazero.NewRuntime(ctx)
	defer r.Close(ctx)
	_, err = r.NewHostModuleBuilder("env").NewFunctionBuilder().WithFunc(func() {}).Export("f").Instantiate(ctx)
	require.NoError(t, err)
	started, err := r.Instantiate(ctx, out)
	require.NoError(t, err)
	runs, err = started.ExportedFunction("runs").Call(ctx)
	require.NoError(t, err)
	require.Equal(t, uint64(1), runs[0])
}

// Only the four sections the edit extends change; the others, padded sizes
// included, are copied byte for byte, and no existing index moves.
func TestAddStart_AppendsOnly(t *testing.T) {
	in := reactor(false)
	out, err := AddStart(in)
	require.NoError(t, err)
	again, err := AddStart(in)
	require.NoError(t, err)
	require.Equal(t, out, again, "same input, same bytes")

	before, err := split(in)
	require.NoError(t, err)
	after, err := split(out)
	require.NoError(t, err)
	require.Len(t, after, len(before))
	for i := range before {
		require.Equal(t, before[i].id, after[i].id)
		switch before[i].id {
		case secFunction, secGlobal, secCode:
			require.Equal(t, before[i].body[0]+1, after[i].body[0], "one more entry")
			require.True(t, bytes.HasPrefix(after[i].body[1:], before[i].body[1:]), "section %d is extended at its end", before[i].id)
		case secExport:
			// checked below
		default:
			require.Equal(t, before[i].raw, after[i].raw, "section %d is unchanged", before[i].id)
		}
	}
	exports, err := readExports(after[5].body)
	require.NoError(t, err)
	require.Equal(t, []export{{"_initialize", kindFunc, 3}, {"runs", kindFunc, 2}, {"_start", kindFunc, 3}}, exports)
}

func TestAddStart_Errors(t *testing.T) {
	_, err := AddStart(reactor(true))
	require.ErrorContains(t, err, "already exports _start")
	_, err = AddStart([]byte("not wasm"))
	require.ErrorContains(t, err, "not a wasm module")

	noInit := bytes.Replace(reactor(false), []byte("_initialize"), []byte("_initialise"), 1)
	_, err = AddStart(noInit)
	require.ErrorContains(t, err, "does not export _initialize")

	truncated := reactor(false)
	_, err = AddStart(truncated[:len(truncated)-3])
	require.ErrorContains(t, err, "runs past the end")
}

func TestNames(t *testing.T) {
	in := reactor(false)
	names, err := FunctionNames(in)
	require.NoError(t, err)
	require.Equal(t, []string{"env.f", "runtime.init", "main.runs"}, names)

	stripped, err := StripNames(in)
	require.NoError(t, err)
	names, err = FunctionNames(stripped)
	require.NoError(t, err)
	require.Nil(t, names)
	require.Equal(t, in[:len(stripped)], stripped, "only the trailing name section is gone")
}

func TestImports(t *testing.T) {
	imports, err := Imports(reactor(false))
	require.NoError(t, err)
	require.Equal(t, []Import{{"env", "f"}}, imports)
	require.Equal(t, "env.f", imports[0].String())
}
