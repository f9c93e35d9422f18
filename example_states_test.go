package tsapi_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/tsapi-go/tsapi"
)

// StateVerified is a state that a site's own code stores on its server,
// declared once.
var StateVerified = tsapi.CustomState("Verified")

func ExampleCustomState() {
	srv := exampleServer()
	defer srv.Close()
	client, err := tsapi.New(srv.URL(), tsapi.WithBasicAuth("ionadmin", "ionadmin"))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	// A misspelt state is refused before anything is sent.
	_, err = client.PluginResultJobs.SetState(ctx, 20, "Canceled")
	fmt.Println(errors.Is(err, tsapi.ErrInvalidOption))

	// A declared state is sent, and matched by the filters.
	if _, err := client.PluginResultJobs.SetState(ctx, 20, StateVerified); err != nil {
		log.Fatal(err)
	}
	n, _, err := client.PluginResultJobs.Count(ctx, &tsapi.PluginResultJobListOptions{State: StateVerified})
	fmt.Println(n, err, StateVerified.IsTerminal())
	// Output:
	// true
	// 1 <nil> false
}
