// Command runway serves the apps REST API of an app definition.
//
//	runway serve [--app DIR] [--data DIR] [--addr HOST:PORT] [--env dev] [--db URL]
//	runway check --app DIR
//	runway openapi [--app DIR] [--env dev]
//	runway users add|list|set-password …
//	runway maintenance on|off|status
//	runway import|export --url URL --entity E …
package main

import (
	"fmt"
	"os"
)

const usage = `runway — a self-hosted runtime for the apps REST API

Usage:
  runway serve [flags]         serve the app (the built-in demo app without --app)
  runway check --app DIR       validate an app definition
  runway openapi [--app DIR]   print the app's OpenAPI 3.1 document
  runway users add|list|set-password [flags]
                               manage users offline, against the data dir
  runway maintenance on|off|status [flags]
                               switch maintenance mode offline
  runway import --url URL --entity E FILE.csv
                               import a CSV file into a running server (a job, followed to its end)
  runway export --url URL --entity E [--query Q] [-o FILE]
                               export records of a running server to a CSV file
  runway version               print the version

Run "runway COMMAND -h" for the flags of a command.
`

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	var err error
	switch cmd, args := os.Args[1], os.Args[2:]; cmd {
	case "serve":
		err = serve(args)
	case "check":
		err = check(args)
	case "openapi":
		err = openAPI(args)
	case "users":
		err = users(args)
	case "maintenance":
		err = maintenance(args)
	case "import":
		err = importCSV(args)
	case "export":
		err = exportCSV(args)
	case "version":
		fmt.Println(version)
	case "-h", "--help", "help":
		fmt.Print(usage)
	default:
		fmt.Fprintf(os.Stderr, "runway: unknown command %q\n\n%s", cmd, usage)
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "runway:", err)
		os.Exit(1)
	}
}
