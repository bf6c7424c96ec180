package types

// allTypes lists every canonical type id in the order of the app-model.md §2
// table, so Types() is stable and readable in error messages.
var allTypes = []string{
	Text, LongText, HTML, Email, URL, Phone, MaskedText, QR,
	Integer, Decimal, Money, Percentage, BigNumber, AutoIncrement,
	Boolean, Choice, DynamicChoice,
	Date, DateTime, DateTimeNoTimezone, Time, Duration, MonthDay, YearMonth,
	RecordCreated, RecordModified,
	Color, Rank, GeoPoint, File, Group, Relationship, Nested,
}

// aliases are the alternative ids of app-model.md §8 Q27: the documentation
// names next to the sample's canonical ids.
var aliases = map[string]string{
	"file":      File,
	"monthDay":  MonthDay,
	"yearMonth": YearMonth,
}

var canonicalIDs = func() map[string]bool {
	m := make(map[string]bool, len(allTypes))
	for _, t := range allTypes {
		m[t] = true
	}
	return m
}()

func canonical(id string) (string, bool) {
	if canonicalIDs[id] {
		return id, true
	}
	if c, ok := aliases[id]; ok {
		return c, true
	}
	return "", false
}

// norm maps an alias to its canonical id so every entry point tolerates the
// aliases; an unknown id is returned unchanged (and then matches no type).
func norm(kind string) string {
	if c, ok := canonical(kind); ok {
		return c
	}
	return kind
}

// Types returns all canonical type ids.
func Types() []string { return append([]string(nil), allTypes...) }

// IsTextLike reports whether the type's native value is free text, where ""
// counts as empty and like/regex operate on the string: the text family of
// query-language.md §7.2 plus rank.
func IsTextLike(kind string) bool {
	switch norm(kind) {
	case Text, LongText, HTML, Email, URL, Phone, MaskedText, QR, Rank:
		return true
	}
	return false
}

// IsNumeric reports whether the type is a number type of the §2 table.
// bigNumber is numeric although its native JSON is a string.
func IsNumeric(kind string) bool {
	switch norm(kind) {
	case Integer, Decimal, Money, Percentage, BigNumber, AutoIncrement:
		return true
	}
	return false
}

// NativeIsNumber reports whether the native JSON value is a JSON number
// (numbers other than bigNumber, epoch-ms dates, durations), i.e. stored
// values compare numerically.
func NativeIsNumber(kind string) bool {
	switch norm(kind) {
	case Integer, Decimal, Money, Percentage, AutoIncrement,
		DateTime, RecordCreated, RecordModified, Duration:
		return true
	}
	return false
}

// isDateTimeFamily is the "date/time family" of the flag restrictions
// (query-language.md §7.2 lists its members; duration is not one).
func isDateTimeFamily(kind string) bool {
	switch kind {
	case Date, DateTime, DateTimeNoTimezone, Time, MonthDay, YearMonth,
		RecordCreated, RecordModified:
		return true
	}
	return false
}

// isServerSet are the types whose values only the server writes.
func isServerSet(kind string) bool {
	switch kind {
	case AutoIncrement, RecordCreated, RecordModified:
		return true
	}
	return false
}

// The Allows* helpers implement the "Flag restrictions" paragraph of
// app-model.md §2 for `runway check`. Unknown type ids allow nothing.

// AllowsUnique reports whether `unique: true` is allowed on the type.
func AllowsUnique(kind string) bool {
	k, ok := canonical(kind)
	if !ok || isDateTimeFamily(k) || isServerSet(k) {
		return false
	}
	switch k {
	case Decimal, Money, Percentage, BigNumber, Boolean, Choice, DynamicChoice,
		Color, GeoPoint, File, Nested:
		return false
	}
	return true
}

// AllowsMany reports whether `multiplicity: many` is allowed on the type.
func AllowsMany(kind string) bool {
	k, ok := canonical(kind)
	return ok && !isServerSet(k) && k != Rank
}

// AllowsDefault reports whether a `defaultValue` is allowed on the type.
func AllowsDefault(kind string) bool {
	k, ok := canonical(kind)
	return ok && !isServerSet(k) && k != Rank && k != File && k != Nested
}

// AllowsRequired reports whether `required` (other than never) is allowed.
func AllowsRequired(kind string) bool {
	k, ok := canonical(kind)
	return ok && !isServerSet(k) && k != Rank && k != Boolean
}

// AllowsIndexable reports whether `indexable: true` is allowed on the type.
func AllowsIndexable(kind string) bool {
	k, ok := canonical(kind)
	return ok && k != File && k != Nested && k != DynamicChoice
}

// AllowsCalculation reports whether a `valueCalculation` is allowed.
func AllowsCalculation(kind string) bool {
	k, ok := canonical(kind)
	return ok && !isServerSet(k) && k != Rank && k != File
}

// AllowsSensitive reports whether `sensitiveData: true` is allowed.
func AllowsSensitive(kind string) bool {
	k, ok := canonical(kind)
	return ok && k != GeoPoint && k != Nested
}
