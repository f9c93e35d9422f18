// Package cli holds the tsapi tool, in gh's shape: cmdutil (the Factory,
// IOStreams, the printer, exit codes and errors that say what to do), one
// package per noun (jobs, results, plugins, config, schema), each verb a
// file with its XOptions, NewCmdX and xRun, and root, which ties them
// together. This directory keeps the end-to-end tests of the binary.
package cli
