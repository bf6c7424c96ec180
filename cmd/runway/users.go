package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"

	"runway/apperr"
	"runway/data"
	"runway/runtime"
)

const usersUsage = `Usage:
  runway users add --email E --password P [--first F --last L] [--developer] [--super-user] [--group G1,G2]
  runway users list
  runway users set-password --email E --password P
(all take --app, --data and --db like serve)`

// users manages users offline, through the data service on the data dir.
func users(args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("%s", usersUsage)
	}
	sub, args := args[0], args[1:]
	if sub == "-h" || sub == "-help" || sub == "--help" || sub == "help" {
		fmt.Println(usersUsage)
		return nil
	}
	fs := flag.NewFlagSet("users "+sub, flag.ExitOnError)
	var c common
	c.register(fs)
	email := fs.String("email", "", "user email")
	password := fs.String("password", "", "password")
	first := fs.String("first", "", "first name")
	last := fs.String("last", "", "last name")
	developer := fs.Bool("developer", false, "the user is a developer")
	superUser := fs.Bool("super-user", false, "the user is a super user")
	groups := fs.String("group", "", "comma-separated group names of the new user, the first one primary")
	_ = fs.Parse(args)
	if err := noArgs(fs); err != nil {
		return err
	}
	// Check the command line before opening (and possibly creating) the store.
	switch sub {
	case "list":
	case "add", "set-password":
		if *email == "" || *password == "" {
			return fmt.Errorf("--email and --password are required")
		}
	default:
		return fmt.Errorf("unknown users command %q\n%s", sub, usersUsage)
	}

	ctx := context.Background()
	rt, err := c.open(ctx, newLogger("warn"), runtime.Config{})
	if err != nil {
		return err
	}
	defer rt.Close()
	d := rt.Data

	switch sub {
	case "add":
		if *first == "" {
			*first = *email
		}
		if *last == "" {
			*last = "-"
		}
		var gs []string
		for _, g := range strings.Split(*groups, ",") {
			if g = strings.TrimSpace(g); g != "" {
				gs = append(gs, g)
			}
		}
		doc, err := d.CreateUser(ctx, data.NewUser{Email: *email, FirstName: *first, LastName: *last,
			Password: *password, Developer: *developer, SuperUser: *superUser, Groups: gs})
		if err != nil {
			return describe(err)
		}
		fmt.Println(string(doc))
	case "list":
		list, err := d.Users(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tEMAIL\tNAME\tSTATUS\tROLE")
		for _, u := range list {
			role := "user"
			if u.Developer {
				role = "developer"
			} else if u.SuperUser {
				role = "superUser"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", u.ID, u.Email, u.Name, u.Status, role)
		}
		return tw.Flush()
	case "set-password":
		if err := d.SetPassword(ctx, *email, *password); err != nil {
			return describe(err)
		}
		fmt.Println("password changed")
	}
	return nil
}

// describe spells out every field of a validation error (the password
// policy may break several rules at once); other errors are left as they are.
func describe(err error) error {
	e := apperr.As(err)
	if e == nil || len(e.Errors) < 2 {
		return err
	}
	msgs := make([]string, len(e.Errors))
	for i, fe := range e.Errors {
		msgs[i] = fe.Field + ": " + fe.Message
	}
	return fmt.Errorf("%s: %s: %s", e.Code, e.Message, strings.Join(msgs, "; "))
}
