// Command plugin is a small Torrent Suite plugin written with tsapi. It
// counts the lines, words and bytes of a text file and stores the counts in
// its plugin result, where the report shows them.
//
// Torrent Suite starts a plugin's launch.sh in the plugin's output folder
// (runinfo.results_dir), next to the startplugin.json it wrote, with the
// grid-engine job id in $JOB_ID; a launch.sh that runs this binary is
// enough. The plugin reports Started, does its work, stores its results and
// reports Completed, or Error (with the error in the store) when the work
// fails, and exits non-zero then. Torrent Suite's own wrapper around
// launch.sh reports Started and, by the exit status, Completed or Error as
// well; the program agrees with it, and also works without it.
//
// Usage:
//
//	plugin [-startplugin path] [-input file]
//
// The file to count is -input, else the run's configuration key
// "input_file"; a relative path is taken from the folder holding
// startplugin.json.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"unicode"
	"unicode/utf8"

	"github.com/tsapi-go/tsapi"
)

func main() {
	startPath := flag.String("startplugin", "", "startplugin.json, or the folder holding it (default: the working directory)")
	input := flag.String("input", "", "the file to count (default: the configuration's input_file)")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *startPath, *input); err != nil {
		fmt.Fprintln(os.Stderr, "plugin:", err)
		os.Exit(1)
	}
}

// Counts is what the plugin stores in its plugin result.
type Counts struct {
	Input string `json:"input"` // the file counted
	Lines int64  `json:"lines"` // lines, the last one even without a newline
	Words int64  `json:"words"` // runs of non-space characters
	Bytes int64  `json:"bytes"` // size in bytes
}

// run is the whole plugin. opts configure the tsapi client (TLS, logging).
func run(ctx context.Context, startPath, input string, opts ...tsapi.Option) error {
	rt, err := tsapi.NewPluginRuntime(startPath, opts...)
	if err != nil {
		return err // without startplugin.json there is no one to report to
	}
	if err := rt.ReportState(ctx, tsapi.StateStarted); err != nil {
		return err
	}

	counts, workErr := work(rt.StartPlugin(), input)

	var store any = counts
	if workErr != nil {
		store = map[string]string{"error": workErr.Error()}
	}
	// Finish stores first, then reports Completed (or Error): the server
	// may revoke the plugin key once the job has ended.
	if err := rt.Finish(ctx, store, workErr); err != nil {
		return errors.Join(workErr, err)
	}
	return workErr
}

// work counts the input file.
func work(sp *tsapi.StartPlugin, input string) (*Counts, error) {
	if input == "" {
		input, _ = sp.PluginConfig.GetString("input_file")
	}
	if input == "" {
		return nil, errors.New("no input file: set input_file in the plugin's configuration")
	}
	if !filepath.IsAbs(input) {
		input = filepath.Join(filepath.Dir(sp.Path()), input)
	}
	f, err := os.Open(input)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	c, err := count(f)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", input, err)
	}
	c.Input = input
	return c, nil
}

// count counts lines (a last line without a newline counts too), words
// (runs of non-space characters) and bytes, like wc.
func count(r io.Reader) (*Counts, error) {
	br := bufio.NewReader(r)
	c := &Counts{}
	inWord, lineOpen := false, false
	for {
		ch, size, err := br.ReadRune()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		c.Bytes += int64(size)
		if ch == utf8.RuneError && size == 1 {
			ch = 'x' // an invalid byte counts as part of a word
		}
		switch {
		case ch == '\n':
			c.Lines++
			lineOpen, inWord = false, false
		case unicode.IsSpace(ch):
			lineOpen, inWord = true, false
		default:
			lineOpen = true
			if !inWord {
				c.Words++
				inWord = true
			}
		}
	}
	if lineOpen {
		c.Lines++
	}
	return c, nil
}
