package types

import (
	"slices"
	"testing"
)

func TestCanonical(t *testing.T) {
	for _, id := range Types() {
		if got, ok := Canonical(id); !ok || got != id {
			t.Errorf("Canonical(%s) = %s, %v", id, got, ok)
		}
	}
	for alias, want := range map[string]string{"file": File, "monthDay": MonthDay, "yearMonth": YearMonth} {
		if got, ok := Canonical(alias); !ok || got != want {
			t.Errorf("Canonical(%s) = %s, %v; want %s", alias, got, ok, want)
		}
	}
	for _, bad := range []string{"", "Text", "month-day", "string", "number"} {
		if _, ok := Canonical(bad); ok {
			t.Errorf("Canonical(%q) should fail", bad)
		}
	}
}

func TestTypesComplete(t *testing.T) {
	ids := Types()
	if len(ids) != 33 {
		t.Fatalf("want the 33 type ids of app-model.md §2, got %d", len(ids))
	}
	ids[0] = "changed"
	if Types()[0] != Text {
		t.Fatal("Types must return a copy")
	}
}

func TestKindHelpers(t *testing.T) {
	textLike := []string{Text, LongText, HTML, Email, URL, Phone, MaskedText, QR, Rank}
	numeric := []string{Integer, Decimal, Money, Percentage, BigNumber, AutoIncrement}
	for _, id := range Types() {
		if got := IsTextLike(id); got != slices.Contains(textLike, id) {
			t.Errorf("IsTextLike(%s) = %v", id, got)
		}
		if got := IsNumeric(id); got != slices.Contains(numeric, id) {
			t.Errorf("IsNumeric(%s) = %v", id, got)
		}
	}
	if NativeIsNumber(BigNumber) || !NativeIsNumber(DateTime) || !NativeIsNumber(Duration) || NativeIsNumber(Date) {
		t.Error("NativeIsNumber follows the native JSON")
	}
}

func TestFlagRestrictions(t *testing.T) {
	denied := map[string][]string{
		"unique": {Date, DateTime, DateTimeNoTimezone, Time, MonthDay, YearMonth, RecordCreated,
			RecordModified, Decimal, Money, Percentage, BigNumber, Boolean, Choice, DynamicChoice,
			Color, GeoPoint, File, Nested, AutoIncrement},
		"many":        {AutoIncrement, Rank, RecordCreated, RecordModified},
		"default":     {File, Nested, AutoIncrement, Rank, RecordCreated, RecordModified},
		"required":    {Boolean, AutoIncrement, Rank, RecordCreated, RecordModified},
		"indexable":   {File, Nested, DynamicChoice},
		"calculation": {File, AutoIncrement, Rank, RecordCreated, RecordModified},
		"sensitive":   {GeoPoint, Nested},
	}
	checks := map[string]func(string) bool{
		"unique": AllowsUnique, "many": AllowsMany, "default": AllowsDefault,
		"required": AllowsRequired, "indexable": AllowsIndexable,
		"calculation": AllowsCalculation, "sensitive": AllowsSensitive,
	}
	for flag, allows := range checks {
		for _, id := range Types() {
			if got, want := allows(id), !slices.Contains(denied[flag], id); got != want {
				t.Errorf("%s on %s: allowed=%v, want %v", flag, id, got, want)
			}
		}
		if allows("nope") {
			t.Errorf("%s allowed on an unknown type", flag)
		}
	}
	if AllowsUnique("file") || !AllowsMany("monthDay") {
		t.Error("aliases resolve")
	}
}
