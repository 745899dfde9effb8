//go:build meshwasm_test_tag

package main

const mode = "tagged"
