package types

import (
	"fmt"
	"regexp"
	"sync"
)

// regexCache holds compiled patterns for Rules that did not come from
// ParseRules, so a hand-built Rules does not recompile on every check.
var regexCache sync.Map // regexKey → *regexp.Regexp

type regexKey struct {
	expr            string
	caseInsensitive bool
}

// compileRegex compiles a regularExpression rule as RE2 (app-model.md §8 Q23)
// anchored at both ends: the rule describes the whole value.
func compileRegex(re *Regex) (*regexp.Regexp, error) {
	key := regexKey{re.Expression, re.CaseInsensitive}
	if c, ok := regexCache.Load(key); ok {
		return c.(*regexp.Regexp), nil
	}
	// Compile the bare expression first: "a)|(b" must fail, not change the
	// meaning of the anchors around it.
	if _, err := regexp.Compile(re.Expression); err != nil {
		return nil, fmt.Errorf("regularExpression %q is not a valid RE2 pattern: %v", re.Expression, err)
	}
	pattern := "^(?:" + re.Expression + ")$"
	if re.CaseInsensitive {
		pattern = "(?i)" + pattern
	}
	c, err := regexp.Compile(pattern)
	if err != nil {
		return nil, fmt.Errorf("regularExpression %q is not a valid RE2 pattern: %v", re.Expression, err)
	}
	regexCache.Store(key, c)
	return c, nil
}
