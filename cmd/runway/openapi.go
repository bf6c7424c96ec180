package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"

	"runway/api"
)

// openAPI prints the OpenAPI document of an app definition: the one
// GET {base}/openapi.json of `runway serve` answers.
func openAPI(args []string) error {
	fs := flag.NewFlagSet("openapi", flag.ExitOnError)
	var c common
	c.register(fs)
	envName := fs.String("env", env("RUNWAY_ENV", "dev"), "environment name in the API path [RUNWAY_ENV]")
	_ = fs.Parse(args)
	if err := noArgs(fs); err != nil {
		return err
	}
	a, err := c.loadApp(newLogger("warn"))
	if err != nil {
		return err
	}
	doc, err := api.OpenAPIDocument(a, api.Config{Env: *envName})
	if err != nil {
		return err
	}
	var out bytes.Buffer
	if err := json.Indent(&out, doc, "", "  "); err != nil {
		return err
	}
	out.WriteByte('\n')
	_, err = out.WriteTo(os.Stdout)
	return err
}
