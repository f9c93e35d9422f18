package cmdutil

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tsapi-go/tsapi"
)

// FieldsAnnotation is the annotation of a command that lists the fields
// its records have, for the completion of --fields.
const FieldsAnnotation = "tsapi:fields"

// NounCommand makes cmd, a command that only holds subcommands, show its
// help when given none and refuse an unknown one (exit 2) with the one
// meant, instead of printing its help and exiting 0.
func NounCommand(cmd *cobra.Command) *cobra.Command {
	cmd.Args = cobra.ArbitraryArgs
	cmd.RunE = func(c *cobra.Command, args []string) error {
		if len(args) == 0 {
			return c.Help()
		}
		msg := fmt.Sprintf("unknown command %q for %q", args[0], c.CommandPath())
		var names []string
		for _, sub := range c.Commands() {
			if sub.IsAvailableCommand() {
				names = append(names, sub.Name())
			}
		}
		if s := Suggest(args[0], names); s != "" {
			msg += ": did you mean " + s + "?"
		} else if s := c.SuggestionsFor(args[0]); len(s) > 0 {
			msg += ": did you mean " + strings.Join(s, " or ") + "?"
		}
		return Usagef("%s (run '%s --help' for its commands)", msg, c.CommandPath())
	}
	return cmd
}

// ExactArgs checks the number of positional arguments, naming them.
func ExactArgs(n int, names string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			return Usagef("%s takes %s (got %d argument(s))", cmd.CommandPath(), names, len(args))
		}
		return nil
	}
}

// MinimumArgs checks that there are at least n positional arguments.
func MinimumArgs(n int, names string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) < n {
			return Usagef("%s takes %s (got %d argument(s))", cmd.CommandPath(), names, len(args))
		}
		return nil
	}
}

// CompleteList completes the last item of a comma-separated list from
// choices.
func CompleteList(choices []string) func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return func(_ *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		done, last := "", toComplete
		if i := strings.LastIndex(toComplete, ","); i >= 0 {
			done, last = toComplete[:i+1], toComplete[i+1:]
		}
		var out []string
		for _, c := range choices {
			if strings.HasPrefix(strings.ToLower(c), strings.ToLower(last)) && !strings.Contains(","+done, ","+c+",") {
				out = append(out, done+c)
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveNoSpace
	}
}

// CompleteOne completes a single value from choices.
func CompleteOne(choices []string) func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return func(_ *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		var out []string
		for _, c := range choices {
			if strings.HasPrefix(strings.ToLower(c), strings.ToLower(toComplete)) {
				out = append(out, c)
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}

// NoFiles completes nothing (ids and the like).
func NoFiles(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return nil, cobra.ShellCompDirectiveNoFileComp
}

// SetFields records on cmd the fields its records have, for the
// completion of --fields.
func SetFields(cmd *cobra.Command, fields []string) {
	if cmd.Annotations == nil {
		cmd.Annotations = map[string]string{}
	}
	cmd.Annotations[FieldsAnnotation] = strings.Join(fields, ",")
}

// MustComplete registers a flag's completion; the flag is the command's
// own, so it cannot fail.
func MustComplete(cmd *cobra.Command, flag string, fn func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective)) {
	if err := cmd.RegisterFlagCompletionFunc(flag, fn); err != nil {
		panic(err)
	}
}

// Instant prints a time as the real instant, in UTC, to the millisecond;
// nil for none.
func Instant(t *tsapi.Time) any {
	if t == nil {
		return nil
	}
	return t.UTC().Format("2006-01-02T15:04:05.000Z07:00")
}

// RawJSON is a JSON object a record carries as it is, nil when empty.
func RawJSON(c tsapi.JobConfig) any {
	if b := c.Raw(); b != nil {
		return b
	}
	return nil
}
