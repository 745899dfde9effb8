// Package envoy runs every filter under filters/, compiled to wasm, through
// Envoy's call patterns on the Envoy-faithful host of build/proxyhost:
// several plugins in one VM, reconfiguration with streams in flight,
// callout tokens per plugin, callout resets and dispatch failures, header
// maps available only in their phase, every order in which Envoy ends a
// stream, and linear memory over 200,000 streams in random interleavings
// (200,000 in `make soak`).
// A filter made with `make new` is covered without an edit; a missing
// shipped filter fails the suite.
package envoy
