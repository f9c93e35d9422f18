package tsapi

// The typed services of results, experiment and plannedexperiment are
// generated from the schema snapshots in schemas/ (see schemas/README.md);
// CI fails when regenerating changes a file.
//
//go:generate go run ./cmd/tsapigen -dir schemas -o . -served tsapitest/schema
