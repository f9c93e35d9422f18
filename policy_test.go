package tsapi

import (
	"go/ast"
	"go/parser"
	"go/token"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The table in resendRule's doc comment is what a reader sees: it must be
// the table the code consults.
func TestResendRuleCommentIsTheTable(t *testing.T) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "policy.go", nil, parser.ParseComments)
	require.NoError(t, err)
	var doc string
	for _, d := range f.Decls {
		if g, ok := d.(*ast.GenDecl); ok && len(g.Specs) == 1 {
			if v, ok := g.Specs[0].(*ast.ValueSpec); ok && v.Names[0].Name == "resendRule" {
				doc = g.Doc.Text()
			}
		}
	}
	require.NotEmpty(t, doc, "resendRule has a doc comment")
	words := map[string]decision{"stand": stand, "resend": resend, "+credentials": resendWithCredentials,
		"succeeded": succeeded, "unknown": unknown, "verify": verify}
	rows := map[string]opKind{"read": opRead, "delete one": opDelete, "write": opWrite, "write one": opWriteOne}
	seen := 0
	for _, line := range strings.Split(doc, "\n") {
		line = strings.TrimSpace(line)
		for name, k := range rows {
			rest, ok := strings.CutPrefix(line, name+" ")
			if !ok || strings.HasPrefix(rest, "one") {
				continue
			}
			cells := strings.Fields(rest)
			require.Len(t, cells, int(numOutcomes), "row %q", name)
			for o, cell := range cells {
				d, ok := words[cell]
				require.True(t, ok, "row %q: %q is no decision", name, cell)
				assert.Equal(t, resendRule[k][o], d, "row %q, column %d: the comment says %s", name, o, cell)
			}
			seen++
		}
	}
	assert.Equal(t, int(numKinds), seen, "every kind has its row in the comment")
}

// The promises the package documentation makes, read from the table.
func TestResendRuleKeepsThePromises(t *testing.T) {
	for k := opKind(0); k < numKinds; k++ {
		// Surely not reached, or refused before anything was done: resent.
		assert.Equal(t, resend, decide(k, outNotReached), "kind %d", k)
		assert.Equal(t, resend, decide(k, outRefused), "kind %d", k)
		assert.Equal(t, resendWithCredentials, decide(k, outSessionEnded), "kind %d", k)
		assert.Equal(t, stand, decide(k, outAnswered), "kind %d", k)
	}
	// A write that may have reached the server is never resent.
	for _, k := range []opKind{opWrite, opWriteOne} {
		assert.NotEqual(t, resend, decide(k, outLost), "kind %d", k)
		assert.True(t, lostIsReported(k))
	}
	assert.False(t, lostIsReported(opRead))
	assert.False(t, lostIsReported(opDelete))
	assert.Equal(t, verify, decide(opWriteOne, outLost))
	assert.Equal(t, succeeded, decide(opDelete, outGoneAfterLoss))
	assert.Equal(t, stand, decide(opRead, outGoneAfterLoss))
}

func TestAttemptOutcome(t *testing.T) {
	answer := func(code int) *http.Response { return &http.Response{StatusCode: code} }
	cut := assert.AnError
	for _, c := range []struct {
		resp  *http.Response
		err   error
		wrote bool
		want  outcome
	}{
		{answer(200), nil, true, outAnswered},
		{answer(404), nil, true, outAnswered},
		{answer(429), nil, true, outRefused},
		{answer(503), nil, true, outRefused},
		{answer(502), nil, true, outLost},
		{answer(504), nil, true, outLost},
		{answer(201), cut, true, outSuccessCut},
		{nil, cut, true, outLost},
		{nil, cut, false, outNotReached},
		{answer(500), cut, false, outNotReached},
	} {
		var code int
		if c.resp != nil {
			code = c.resp.StatusCode
		}
		assert.Equal(t, c.want, attemptOutcome(c.resp, c.err, c.wrote), "status %d, err %v, wrote %v", code, c.err, c.wrote)
	}
}

func TestKindOf(t *testing.T) {
	assert.Equal(t, opRead, kindOf(http.MethodGet, true, false))
	assert.Equal(t, opRead, kindOf(http.MethodHead, false, false))
	assert.Equal(t, opRead, kindOf(http.MethodOptions, false, false))
	assert.Equal(t, opDelete, kindOf(http.MethodDelete, false, false))
	assert.Equal(t, opWrite, kindOf(http.MethodDelete, true, false))
	assert.Equal(t, opWrite, kindOf(http.MethodPost, false, false))
	assert.Equal(t, opWrite, kindOf(http.MethodPatch, false, false))
	assert.Equal(t, opRead, kindOf(http.MethodPatch, false, true))
}
