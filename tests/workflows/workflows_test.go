// Package workflows checks the GitHub workflows under .github/workflows with
// actionlint, and the release workflow's tag handling and push command
// against the Makefile they rely on.
package workflows

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/rhysd/actionlint"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"
)

// root is the repository root, two levels above this package.
var root = filepath.Join("..", "..")

func lint(t *testing.T, path string, src []byte) []*actionlint.Error {
	t.Helper()
	l, err := actionlint.NewLinter(&bytes.Buffer{}, &actionlint.LinterOptions{})
	require.NoError(t, err)
	errs, err := l.Lint(path, src, nil)
	require.NoError(t, err)
	return errs
}

func TestWorkflows_Actionlint(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(root, ".github", "workflows", "*.yml"))
	require.NoError(t, err)
	names := make([]string, 0, len(files))
	for _, f := range files {
		names = append(names, filepath.Base(f))
	}
	require.Subset(t, names, []string{"ci.yml", "release.yml"})
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			src, err := os.ReadFile(f)
			require.NoError(t, err)
			for _, e := range lint(t, f, src) {
				t.Errorf("%s:%d:%d: %s [%s]", f, e.Line, e.Column, e.Message, e.Kind)
			}
		})
	}
}

// The check above must be able to fail: actionlint reports a bad workflow.
func TestWorkflows_ActionlintCatchesMistakes(t *testing.T) {
	for name, src := range map[string]string{
		"unknown event":       "on: pushh\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: true\n",
		"bad expression":      "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.nope( }}\n",
		"unknown input":       "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/setup-go@v5\n        with:\n          go-versionn: stable\n",
		"missing step output": "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ steps.tag.outputs.name }}\n",
	} {
		t.Run(name, func(t *testing.T) {
			require.NotEmpty(t, lint(t, "bad.yml", []byte(src)))
		})
	}
}

type workflow struct {
	On   map[string]yaml.Node `yaml:"on"`
	Jobs map[string]struct {
		Steps []struct {
			ID   string            `yaml:"id"`
			Uses string            `yaml:"uses"`
			Run  string            `yaml:"run"`
			With map[string]string `yaml:"with"`
			Env  map[string]string `yaml:"env"`
		} `yaml:"steps"`
	} `yaml:"jobs"`
}

func load(t *testing.T, name string) workflow {
	t.Helper()
	src, err := os.ReadFile(filepath.Join(root, ".github", "workflows", name))
	require.NoError(t, err)
	var w workflow
	require.NoError(t, yaml.Unmarshal(src, &w))
	return w
}

func TestCI_RunsOnPushAndPullRequestWithCIScript(t *testing.T) {
	w := load(t, "ci.yml")
	require.Contains(t, w.On, "push")
	require.Contains(t, w.On, "pull_request")
	var runs []string
	for _, job := range w.Jobs {
		for _, s := range job.Steps {
			runs = append(runs, s.Run)
			if strings.HasPrefix(s.Uses, "actions/setup-go@") {
				require.Equal(t, "go.work", s.With["go-version-file"], "the Go version comes from go.work")
				require.Contains(t, s.With["cache-dependency-path"], "go.sum", "Go cache keyed on every go.sum")
			}
		}
	}
	all := strings.Join(runs, "\n")
	for _, want := range []string{"make lint", "make vet", "bash .ci/run"} {
		require.Contains(t, all, want)
	}
}

// TestRelease_Tag runs the release workflow's tag step in bash, the way the
// runner does, on good and bad tags.
func TestRelease_Tag(t *testing.T) {
	w := load(t, "release.yml")
	tags := w.On["push"]
	var trigger struct {
		Tags []string `yaml:"tags"`
	}
	require.NoError(t, tags.Decode(&trigger))
	require.Equal(t, []string{"filters/*/v*"}, trigger.Tags)

	var script string
	for _, s := range w.Jobs["release"].Steps {
		if s.ID == "tag" {
			script = s.Run
		}
	}
	require.NotEmpty(t, script, "release.yml has a step with id: tag")

	for tag, want := range map[string]string{
		"filters/addheader/v1.2.0":      "name=addheader\nversion=v1.2.0\nregistry=ghcr.io/acme-corp\n",
		"filters/regexrepl/v0.1.0-rc.1": "name=regexrepl\nversion=v0.1.0-rc.1\nregistry=ghcr.io/acme-corp\n",
		"filters/nosuch/v1.0.0":         "",
		"filters/addheader/1.0.0":       "",
		"v1.0.0":                        "",
		"filters/addheader/v1.0":        "",
	} {
		t.Run(tag, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "output")
			cmd := exec.Command("bash", "-e", "-c", script)
			cmd.Dir = root
			cmd.Env = append(os.Environ(), "TAG_NAME="+tag, "OWNER=Acme-Corp", "GITHUB_OUTPUT="+out)
			msg, err := cmd.CombinedOutput()
			if want == "" {
				require.Error(t, err, "tag %s must be refused", tag)
				require.Contains(t, string(msg), "::error::")
				return
			}
			require.NoError(t, err, string(msg))
			got, err := os.ReadFile(out)
			require.NoError(t, err)
			require.Equal(t, want, string(got))
		})
	}
}

// TestRelease_PushCommand checks that the release pushes with the Makefile's
// push-<name> rule, and that this rule, given the workflow's variables, runs
// `dist/bin/meshwasm push` with -ref ghcr.io/<owner>/meshwasm/<name>:<version>.
func TestRelease_PushCommand(t *testing.T) {
	w := load(t, "release.yml")
	var push, upload string
	logins := 0
	for _, s := range w.Jobs["release"].Steps {
		switch {
		case strings.Contains(s.Run, "make push-"):
			push = s.Run
		case strings.Contains(s.Run, "gh release upload"):
			upload = s.Run + "\n" + s.Env["DIST"]
		case strings.HasPrefix(s.Uses, "docker/login-action@"):
			logins++
			require.Equal(t, "ghcr.io", s.With["registry"])
			require.Equal(t, "${{ secrets.GITHUB_TOKEN }}", s.With["password"])
		}
	}
	require.Equal(t, 1, logins, "one ghcr login with the repository token")
	for _, want := range []string{
		"make push-${{ steps.tag.outputs.name }}",
		"REGISTRY=${{ steps.tag.outputs.registry }}",
		"TAG=${{ steps.tag.outputs.version }}",
	} {
		require.Contains(t, push, want)
	}
	for _, want := range []string{"plugin.wasm", "wasmplugin.yaml", "dist/${{ steps.tag.outputs.name }}"} {
		require.Contains(t, upload, want)
	}

	// What that make line runs, without running it.
	out, err := exec.Command("make", "-C", root, "-n", "push-addheader",
		"REGISTRY=ghcr.io/acme", "TAG=v1.2.0", "VERSION=v1.2.0").CombinedOutput()
	require.NoError(t, err, string(out))
	require.Regexp(t, regexp.MustCompile(`(?m)^dist/bin/meshwasm push dist/addheader/image -ref ghcr\.io/acme/meshwasm/addheader:v1\.2\.0 .*-manifest-out dist/addheader/wasmplugin\.yaml`), string(out))
	require.Contains(t, string(out), `-version "v1.2.0"`)
}
