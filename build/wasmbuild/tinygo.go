package wasmbuild

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
)

// buildTinyGo builds with TinyGo, for which the SDK declares its host calls
// itself: no binding is involved. It is not exercised on meshwasm's own
// machines, where TinyGo cannot be installed.
func buildTinyGo(ctx context.Context, dir, out string, tags []string) error {
	if _, err := exec.LookPath("tinygo"); err != nil {
		return &Error{Msg: "TOOLCHAIN=tinygo: tinygo is not on PATH (install TinyGo >= 0.28, or build with the default standard Go toolchain)"}
	}
	raw, err := exec.CommandContext(ctx, "tinygo", "version").Output()
	if err != nil {
		return &Error{Msg: "tinygo version failed", Output: err.Error()}
	}
	args := []string{"build", "-o", out}
	if len(tags) > 0 {
		// TinyGo's -tags takes a space-separated list, Go's a comma-separated one.
		args = append(args, "-tags", strings.Join(tags, " "))
	}
	args = append(append(args, TinyGoFlags(string(raw))...), ".")
	cmd := exec.CommandContext(ctx, "tinygo", args...)
	cmd.Dir = dir
	var output bytes.Buffer
	cmd.Stdout = &output
	cmd.Stderr = &output
	if err := cmd.Run(); err != nil {
		return &Error{Msg: fmt.Sprintf("%s: tinygo build failed (%v)", dir, err), Output: output.String()}
	}
	return nil
}

var tinygoVersion = regexp.MustCompile(`tinygo version (\d+)\.(\d+)`)

// TinyGoFlags picks the target flags for the TinyGo whose `tinygo version`
// output is given: TinyGo 0.33 added wasip1 c-shared modules (with
// _initialize), older releases only build a wasi command without a scheduler.
func TinyGoFlags(versionOutput string) []string {
	m := tinygoVersion.FindStringSubmatch(versionOutput)
	if m != nil {
		major, _ := strconv.Atoi(m[1])
		minor, _ := strconv.Atoi(m[2])
		if major > 0 || minor >= 33 {
			return []string{"-target=wasip1", "-buildmode=c-shared"}
		}
	}
	return []string{"-target=wasi", "-scheduler=none"}
}
