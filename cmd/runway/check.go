package main

import (
	"errors"
	"flag"
	"fmt"
)

var errCheckFailed = errors.New("the app definition has errors")

// check validates an app definition and prints every problem with its file
// and JSON path.
func check(args []string) error {
	fs := flag.NewFlagSet("check", flag.ExitOnError)
	dir := fs.String("app", env("RUNWAY_APP", ""), "app definition directory (default: the built-in demo app)")
	_ = fs.Parse(args)
	if err := noArgs(fs); err != nil {
		return err
	}
	fsys, name, err := appFS(*dir)
	if err != nil {
		return err
	}
	_, problems, err := loadChecked(fsys)
	errs, warns := 0, 0
	for _, p := range problems {
		fmt.Println(p.String())
		if p.Warning {
			warns++
		} else {
			errs++
		}
	}
	if err != nil {
		fmt.Printf("%s: %d errors, %d warnings\n", name, errs, warns)
		return errCheckFailed
	}
	fmt.Printf("%s: ok (%d warnings)\n", name, warns)
	return nil
}
