package app

import (
	"encoding/json"
	"path"
	"sort"
	"strings"
)

// i18nDir holds the app's translations: one <language>.json per language,
// a JSON object of key → text (nested objects give dotted keys).
const i18nDir = "i18n"

// languageNames maps ISO 639-1 codes to the language names the platform
// uses (sys.users localization.language, defaultLanguage).
var languageNames = map[string]string{
	"en": "english", "es": "spanish", "pt": "portuguese", "fr": "french", "de": "german", "it": "italian",
	"nl": "dutch", "zh": "chinese", "ja": "japanese", "ru": "russian",
}

// LanguageName normalizes a language given by name or ISO code
// ("en", "en-US", "English") to the platform's name ("english").
func LanguageName(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	if n, ok := languageNames[s]; ok {
		return n
	}
	if code, _, ok := strings.Cut(s, "-"); ok {
		if n, ok := languageNames[code]; ok {
			return n
		}
	}
	if code, _, ok := strings.Cut(s, "_"); ok {
		if n, ok := languageNames[code]; ok {
			return n
		}
	}
	return s
}

func (l *loader) loadTranslations() {
	l.walk(i18nDir, func(p string) {
		if !strings.HasSuffix(p, ".json") {
			return
		}
		raw, ok := l.readJSON(p)
		if !ok {
			return
		}
		var tree map[string]any
		if err := json.Unmarshal(raw, &tree); err != nil {
			l.errf(p, "", "translations must be a JSON object of key → text: %v", err)
			return
		}
		lang := LanguageName(strings.TrimSuffix(path.Base(p), ".json"))
		if l.app.Translations == nil {
			l.app.Translations = map[string]map[string]string{}
		}
		texts := l.app.Translations[lang]
		if texts == nil {
			texts = map[string]string{}
			l.app.Translations[lang] = texts
		}
		l.flattenTranslations(p, "", tree, texts)
	})
}

func (l *loader) flattenTranslations(file, prefix string, tree map[string]any, out map[string]string) {
	keys := make([]string, 0, len(tree))
	for k := range tree {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		key := join(prefix, k)
		switch v := tree[k].(type) {
		case string:
			out[key] = v
		case map[string]any:
			l.flattenTranslations(file, key, v, out)
		default:
			l.errf(file, key, "a translation must be a text")
		}
	}
}
