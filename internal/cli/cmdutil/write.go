package cmdutil

import (
	"io"
	"os"
)

// ReadInput reads a file, or stdin for "-". A file that cannot be read is
// a usage error (exit 2, nothing sent).
func ReadInput(name string, stdin io.Reader) ([]byte, error) {
	if name == "-" {
		b, err := io.ReadAll(stdin)
		if err != nil {
			return nil, Usagef("reading stdin: %v", err)
		}
		return b, nil
	}
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, Usagef("%v", err)
	}
	return b, nil
}

// WriteServers are the servers a write goes to: get's, once CheckWrite
// allows the write (byID: it names objects by id; allServers: the caller
// said --all-servers). With dryRun every server becomes a dry run until
// the returned function is called.
func WriteServers(get func() ([]*Server, error), ios *IOStreams, byID, dryRun, allServers bool, what string) ([]*Server, func(), error) {
	ss, err := get()
	if err != nil {
		return nil, nil, err
	}
	if err := CheckWrite(Usable(ss), byID, allServers, what); err != nil {
		return nil, nil, err
	}
	undo := func() {}
	if dryRun {
		undo = DryRuns(ss, ios)
	}
	return ss, undo, nil
}
