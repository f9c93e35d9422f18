package cmdutil

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
)

// IOStreams are a command's standard streams, and whether each is a
// terminal: tables, prompts and progress for people, plain rows for pipes.
// Tests build one with Test and force the terminal flags with the Set
// methods.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	inTTY, outTTY, errTTY bool

	mu       sync.Mutex // serialises writes from several goroutines
	progress bool       // a progress line is shown
}

// System returns the process's streams. TSAPI_FORCE_TTY=1 makes them count
// as terminals (for pagers that are one).
func System() *IOStreams {
	force := os.Getenv("TSAPI_FORCE_TTY") == "1"
	return &IOStreams{
		In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr,
		inTTY: force || isTerminal(os.Stdin), outTTY: force || isTerminal(os.Stdout), errTTY: force || isTerminal(os.Stderr),
	}
}

// Test returns streams on buffers, none of them a terminal, with the
// buffers: stdin, stdout and stderr.
func Test() (*IOStreams, *bytes.Buffer, *bytes.Buffer, *bytes.Buffer) {
	in, out, errOut := &bytes.Buffer{}, &bytes.Buffer{}, &bytes.Buffer{}
	return &IOStreams{In: in, Out: out, ErrOut: errOut}, in, out, errOut
}

func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// IsStdinTTY reports whether stdin is a terminal.
func (s *IOStreams) IsStdinTTY() bool { return s.inTTY }

// IsStdoutTTY reports whether stdout is a terminal.
func (s *IOStreams) IsStdoutTTY() bool { return s.outTTY }

// IsStderrTTY reports whether stderr is a terminal.
func (s *IOStreams) IsStderrTTY() bool { return s.errTTY }

// SetStdinTTY makes stdin count as a terminal or not.
func (s *IOStreams) SetStdinTTY(v bool) { s.inTTY = v }

// SetStdoutTTY makes stdout count as a terminal or not.
func (s *IOStreams) SetStdoutTTY(v bool) { s.outTTY = v }

// SetStderrTTY makes stderr count as a terminal or not.
func (s *IOStreams) SetStderrTTY(v bool) { s.errTTY = v }

// CanPrompt reports whether a question can be asked: stdin and stderr are
// terminals.
func (s *IOStreams) CanPrompt() bool { return s.inTTY && s.errTTY }

// Confirm asks a yes/no question on stderr and reads the answer from
// stdin; anything but y or yes is no.
func (s *IOStreams) Confirm(question string) bool {
	s.Printf("%s? [y/N] ", question)
	line, _ := bufio.NewReader(s.In).ReadString('\n')
	answer := strings.ToLower(strings.TrimSpace(line))
	return answer == "y" || answer == "yes"
}

// Printf writes to stderr, clearing a progress line first, safely from
// several goroutines.
func (s *IOStreams) Printf(format string, args ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clearLocked()
	fmt.Fprintf(s.ErrOut, format, args...)
}

// Warnf writes a line to stderr prefixed "tsapi: ".
func (s *IOStreams) Warnf(format string, args ...any) {
	s.Printf("tsapi: "+format+"\n", args...)
}

// WriteOut writes b to stdout, safely from several goroutines.
func (s *IOStreams) WriteOut(b []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clearLocked()
	_, err := s.Out.Write(b)
	return err
}

// Progress shows a line of progress on stderr when it is a terminal, over
// the last one; ProgressDone clears it. Piped, it shows nothing.
func (s *IOStreams) Progress(format string, args ...any) {
	if !s.errTTY {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	fmt.Fprintf(s.ErrOut, "\r\033[K"+format, args...)
	s.progress = true
}

// ProgressDone clears the progress line.
func (s *IOStreams) ProgressDone() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clearLocked()
}

func (s *IOStreams) clearLocked() {
	if s.progress {
		fmt.Fprint(s.ErrOut, "\r\033[K")
		s.progress = false
	}
}
