//go:build !wafish_block

package main

// Without the wafish_block tag a match is only logged.
const (
	blocking = false
	mode     = "detection only"
)
