package store

import "context"

// AppLogType is the type of an app log (rest-api.md §8.1).
type AppLogType string

// App log types.
const (
	AppLogApp      AppLogType = "APP"      // written by the runtime
	AppLogEndpoint AppLogType = "ENDPOINT" // by an endpoint (none in Runway)
	AppLogExternal AppLogType = "EXTERNAL" // through POST /status/logs
)

// AppLogSubType details an APP log (rest-api.md §8.1); "" for none.
type AppLogSubType string

// App log subtypes.
const (
	AppLogLogin          AppLogSubType = "LOGIN"
	AppLogRecordCreated  AppLogSubType = "REST_API_RECORD_CREATED"
	AppLogRecordRead     AppLogSubType = "REST_API_RECORD_READ"
	AppLogRecordUpdated  AppLogSubType = "REST_API_RECORD_UPDATED"
	AppLogRecordDeleted  AppLogSubType = "REST_API_RECORD_DELETED"
	AppLogActionExecuted AppLogSubType = "REST_API_ACTION_EXECUTED"
	AppLogScript         AppLogSubType = "SCRIPT"
	AppLogEventArrived   AppLogSubType = "EVENT_ARRIVED"
	AppLogConfigScript   AppLogSubType = "CONFIG_SCRIPT_ARRIVED"
	AppLogFunctionCalled AppLogSubType = "FUNCTION_CALLED"
)

// LogDebug is the level of scripts' sys.logs.debug lines, which the app
// log keeps in the dev environment only (app-model.md §7).
const LogDebug LogLevel = "DEBUG"

// AppLog is one entry of the app log (rest-api.md §8.1).
type AppLog struct {
	ID             string // 24-hex, time-ordered: id order is chronological
	Type           AppLogType
	SubType        AppLogSubType
	Level          LogLevel
	Message        string
	UserEmail      string
	AdminUserEmail string // "" when not impersonating
	Time           int64  // ms
	IP             string
	AdditionalInfo []byte // a JSON object, nil for none
}

// AppLogFilter selects app logs (rest-api.md §8.2); nil bounds are open,
// bounds inclusive.
type AppLogFilter struct {
	UserEmail string // case-insensitive substring ("" = any)
	Message   string // case-insensitive substring ("" = any)
	Levels    []LogLevel
	From, To  *int64
	Before    string // page: logs with a smaller id ("" = from the newest)
	Limit     int    // 0 = no limit
}

// AppLogs is the app log of a store, shared by every process of the app.
type AppLogs interface {
	AddAppLogs(ctx context.Context, logs ...AppLog) error
	// AppLogs reads logs newest first (id descending) and how many match
	// ignoring Before and Limit.
	AppLogs(ctx context.Context, f *AppLogFilter) ([]AppLog, int64, error)
	// PruneAppLogs deletes at most limit logs older than before (ms),
	// oldest first, and returns how many it deleted.
	PruneAppLogs(ctx context.Context, before int64, limit int) (int64, error)
}
