//go:build wafish_block

package main

// With the wafish_block tag a matched request is denied.
const (
	blocking = true
	mode     = "blocking"
)
