// Command step-ca is certloop's minimal entry point for the step-ca 0.19
// server. Debian ships github.com/smallstep/certificates/commands but not
// upstream's cmd/step-ca, so this file wires the same pieces together: the
// `start` action runs at the top level and the registered subcommands
// (export, onboard, help) stay reachable.
package main

import (
	"fmt"
	"os"

	"github.com/smallstep/certificates/commands"
	"github.com/urfave/cli"
	"go.step.sm/cli-utils/command"
	"go.step.sm/cli-utils/step"
)

func main() {
	step.Set("Smallstep CA", "0.19.0-certloop", "N/A")

	app := cli.NewApp()
	app.Name = "step-ca"
	app.HelpName = "step-ca"
	app.Usage = "an online certificate authority for secure automated certificate management"
	app.UsageText = commands.AppCommand.UsageText
	app.Version = step.Version()
	app.Flags = append(commands.AppCommand.Flags, cli.HelpFlag)
	app.Action = commands.AppCommand.Action
	app.Commands = command.Retrieve()

	if err := app.Run(os.Args); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
