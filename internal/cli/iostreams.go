package cli

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
)

// IOStreams are the command's standard streams, and whether each is a
// terminal: tables and prompts for people, plain rows for pipes.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	InTTY, OutTTY, ErrTTY bool

	mu sync.Mutex // serialises progress lines
}

// System returns the process's streams. TSAPI_FORCE_TTY=1 makes them count
// as terminals (for tests and for pagers that are one).
func System() *IOStreams {
	force := os.Getenv("TSAPI_FORCE_TTY") == "1"
	return &IOStreams{
		In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr,
		InTTY: force || isTerminal(os.Stdin), OutTTY: force || isTerminal(os.Stdout), ErrTTY: force || isTerminal(os.Stderr),
	}
}

func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// Confirm asks a yes/no question on a terminal; it returns false for
// anything but y or yes.
func (s *IOStreams) Confirm(question string) bool {
	fmt.Fprintf(s.ErrOut, "%s? [y/N] ", question)
	line, _ := bufio.NewReader(s.In).ReadString('\n')
	answer := strings.ToLower(strings.TrimSpace(line))
	return answer == "y" || answer == "yes"
}

// Progress shows a line of progress on stderr when it is a terminal, over
// the last one; done clears it.
func (s *IOStreams) Progress(format string, args ...any) {
	if !s.ErrTTY {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	fmt.Fprintf(s.ErrOut, "\r\033[K"+format, args...)
}

// ProgressDone clears the progress line.
func (s *IOStreams) ProgressDone() {
	if !s.ErrTTY {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	fmt.Fprint(s.ErrOut, "\r\033[K")
}
