package main

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestREADMEShowsThisProgram keeps the README's quick start the complete
// program that CI builds and runs.
func TestREADMEShowsThisProgram(t *testing.T) {
	src, err := os.ReadFile("main.go")
	require.NoError(t, err)
	readme, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	assert.Contains(t, string(readme), "```go\n"+string(src)+"```", "README.md's quick start must be examples/quickstart/main.go as it is")
}

func TestQuickstartRunsAgainstTheFake(t *testing.T) {
	out, err := exec.Command("go", "run", ".", "-demo").CombinedOutput()
	require.NoError(t, err, "%s", out)
	s := string(out)
	assert.Contains(t, s, "2 of 2 jobs are running")
	assert.Equal(t, 2, strings.Count(s, "failed:"))
	assert.Contains(t, s, "cancelled: 1")
}
