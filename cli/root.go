package cli

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/medperf/medperf"
)

// env is what every command receives: the standard streams, so that tests can
// run commands in-process and read what they print.
type env struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	logs   *logFlags // --verbose and --log-level (logging.go)
	names  *names    // names next to ids in tables (names.go); nil: ids alone
}

// Run runs the medperf command line given by args (without the program name)
// and returns the process exit status. It is RunContext without a context
// of its own: nothing but the command itself cancels it.
func Run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return RunContext(context.Background(), args, stdin, stdout, stderr)
}

// RunContext runs the medperf command line given by args under ctx, which
// every command receives (cobra's Command.Context) and which is the only
// thing that interrupts one: main cancels it on SIGINT and SIGTERM, and no
// command installs a signal handler of its own. A command that fails after
// ctx is done was interrupted: it says so, and how to continue when its work
// is resumable, and exits with the status of CodeCanceled (130).
func RunContext(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr}
	root := newRootCmd(e)
	root.SetArgs(rewriteArgs(root, args))
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return 0
	}
	if ctx.Err() != nil {
		reportInterrupted(stderr, cmd)
		return exitCodes[medperf.CodeCanceled]
	}
	fmt.Fprintf(stderr, "medperf: %s\n", medperf.ErrorMessage(err))
	if h := hint(err); h != "" {
		fmt.Fprintf(stderr, "medperf: %s\n", h)
	}
	return ExitCode(err)
}

func newRootCmd(e *env) *cobra.Command {
	root := &cobra.Command{
		Use:   "medperf",
		Short: "Federated evaluation of medical AI models",
		Long: "medperf benchmarks medical AI models on private hospital data by federated evaluation:\n" +
			"models run next to the data, in network-less containers, and only reviewed metrics leave a site.",
		SilenceUsage:  true,
		SilenceErrors: true,
		// Args and RunE make an unknown command a CodeInvalid error, instead
		// of cobra's plain error, which could only be recognised by its text.
		Args: cobra.ArbitraryArgs,
		RunE: func(c *cobra.Command, args []string) error {
			if len(args) > 0 {
				return medperf.Errorf(medperf.CodeInvalid, "unknown command %q (see 'medperf --help')", args[0])
			}
			return c.Help()
		},
	}
	// --version prints VersionLine, the same line however it is asked for.
	root.Version = VersionLine()
	root.InitDefaultVersionFlag() // so that --version exists before Execute (MedPerf spells it so)
	root.SetVersionTemplate("{{.Version}}\n")
	addLogFlags(root, e)
	root.SetIn(e.stdin)
	root.SetOut(e.stdout)
	root.SetErr(e.stderr)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return &medperf.Error{Code: medperf.CodeInvalid, Message: err.Error() + " (see '" + c.CommandPath() + " --help')"}
	})
	root.AddCommand(
		newVersionCmd(e),
		newDemoCmd(e),
		newServerCmd(e),
		newAdminCmd(e),
		newAuthCmd(e),
		newContainerCmd(e),
		newDatasetCmd(e),
		newProfileCmd(e), newModelCmd(e), newBenchmarkCmd(e), newAssociationCmd(e), newResultCmd(e),
		newRunCmd(e), newTestCmd(e), newStorageCmd(e), newUICmd(e), newTokenCmd(e),
		newKeysCmd(e), newAuditCmd(e), newPolicyCmd(e),
	)
	for _, sub := range root.Commands() {
		wrapArgsErrors(sub)
	}
	applyCompat(root)
	addCompletions(root)
	return root
}

// wrapArgsErrors makes cobra's positional-argument errors CodeInvalid, so that
// they exit with the usage status like flag errors do.
func wrapArgsErrors(c *cobra.Command) {
	if c.Args != nil {
		check := c.Args
		c.Args = func(cmd *cobra.Command, args []string) error {
			if err := check(cmd, args); err != nil {
				return &medperf.Error{Code: medperf.CodeInvalid, Message: err.Error() + " (see '" + cmd.CommandPath() + " --help')"}
			}
			return nil
		}
	}
	for _, sub := range c.Commands() {
		wrapArgsErrors(sub)
	}
}

// exitCodes maps each error code to the process exit status. 1 is kept for
// internal errors; 2 is the usual status of a usage error.
var exitCodes = map[medperf.Code]int{
	medperf.CodeInternal:     1,
	medperf.CodeInvalid:      2,
	medperf.CodeUnauthorized: 3,
	medperf.CodeForbidden:    4,
	medperf.CodeNotFound:     5,
	medperf.CodeConflict:     6,
	medperf.CodeTooLarge:     7,
	medperf.CodeUnavailable:  8,
	medperf.CodeCanceled:     130,
	medperf.CodeRateLimited:  9,
}

// ExitCode returns the exit status for err: 0 for nil, otherwise the status
// of its code.
func ExitCode(err error) int {
	if err == nil {
		return 0
	}
	if code, ok := exitCodes[medperf.ErrorCode(err)]; ok {
		return code
	}
	return 1
}
