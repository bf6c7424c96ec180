package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"

	"runway/auth"
	"runway/runtime"
	"runway/store"
	"runway/store/sqlite"
)

const maintenanceUsage = `Usage:
  runway maintenance on|off|status [--data DIR] [--db URL]
While maintenance is on, only developers and super users may log in and use
the API; everyone else gets 503 applicationUnavailable. This command works on
the data dir of a stopped server; a running one is switched over REST:
  PUT {base}/maintenance {"enabled": true|false}   (developers only)`

// maintenance switches maintenance mode offline, in the data dir's store.
func maintenance(args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("%s", maintenanceUsage)
	}
	sub, args := args[0], args[1:]
	switch sub {
	case "-h", "-help", "--help", "help":
		fmt.Println(maintenanceUsage)
		return nil
	case "on", "off", "status":
	default:
		return fmt.Errorf("unknown maintenance command %q\n%s", sub, maintenanceUsage)
	}
	fs := flag.NewFlagSet("maintenance "+sub, flag.ExitOnError)
	var c common
	c.register(fs)
	_ = fs.Parse(args)
	if err := noArgs(fs); err != nil {
		return err
	}
	db := c.database()
	if !db.IsPostgres() {
		path, err := db.SQLitePath()
		if err != nil {
			return err
		}
		if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) && sub == "status" {
			fmt.Println("maintenance: off (no database yet)")
			return nil
		}
	}
	// Several processes share a PostgreSQL database: there is no lock to
	// meet, and two connections are enough. The app is not needed (nor its
	// schema synced): maintenance is the runtime's own state.
	db.Pool = 2
	ctx := context.Background()
	st, err := runtime.OpenStore(ctx, db)
	if errors.Is(err, sqlite.ErrLocked) {
		call := fmt.Sprintf(`curl -X PUT -H "token: $TOKEN" -H 'Content-Type: application/json' -d '{"enabled": %t}'`, sub == "on")
		if sub == "status" {
			call = `curl -H "token: $TOKEN"`
		}
		path, _ := db.SQLitePath()
		return fmt.Errorf("a running server holds %s (the database is locked), so this command cannot open it.\n"+
			"Use that server's REST call instead, as a developer:\n  %s http://HOST/ENV/runtime/api/maintenance", path, call)
	}
	if err != nil {
		return err
	}
	defer st.Close()
	return maintenanceOn(ctx, st, sub)
}

// maintenanceOn applies sub (on, off, status) to the store and prints the
// state.
func maintenanceOn(ctx context.Context, st store.Store, sub string) error {
	if sub != "status" {
		if err := auth.SetMaintenance(ctx, st, sub == "on"); err != nil {
			return err
		}
	}
	on, err := auth.MaintenanceOn(ctx, st)
	if err != nil {
		return err
	}
	state := "off"
	if on {
		state = "on"
	}
	fmt.Println("maintenance:", state)
	return nil
}
