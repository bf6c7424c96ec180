package store

// LogLevel is the level of a log line (rest-api.md §8.1, §9.7).
type LogLevel string

// Log levels.
const (
	LogInfo  LogLevel = "INFO"
	LogWarn  LogLevel = "WARN"
	LogError LogLevel = "ERROR"
)
