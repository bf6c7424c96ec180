package script

import (
	"regexp"

	"github.com/dop251/goja"

	"runway/app"
	"runway/data"
	"runway/record"
)

// placeholder is a {{ name }} of a translation.
var placeholder = regexp.MustCompile(`\{\{\s*([\w.$-]+)\s*\}\}`)

// sysI18n is sys.i18n: translate(key, params) with the app's translations
// (i18n/<language>.json) in the current user's language, else the app's
// default language, else English; a key found in none is returned as is.
// {{ name }} in the text is replaced by params.name.
func (rt *runtime) sysI18n() *goja.Object {
	// The current user's language, read once per execution and user.
	var cachedFor *execution
	var cachedUser, cachedLang string
	language := func() string {
		c := rt.x.caller
		if c == nil || !record.IsID(c.UserID) {
			return ""
		}
		if cachedFor == rt.x && cachedUser == c.UserID {
			return cachedLang
		}
		cachedFor, cachedUser, cachedLang = rt.x, c.UserID, rt.userLanguage(c.UserID)
		return cachedLang
	}
	return rt.obj(map[string]func(goja.FunctionCall) goja.Value{
		"translate": func(c goja.FunctionCall) goja.Value {
			key := str(c, 0)
			tr := rt.e.app.Translations
			text, found := "", false
			for _, lang := range []string{language(), app.LanguageName(rt.e.app.DefaultLanguage), "english"} {
				if text, found = tr[lang][key]; found {
					break
				}
			}
			if !found {
				return rt.vm.ToValue(key)
			}
			params, _ := arg(c, 1).(*goja.Object)
			if params != nil {
				text = placeholder.ReplaceAllStringFunc(text, func(m string) string {
					v := params.Get(placeholder.FindStringSubmatch(m)[1])
					if isNothing(v) {
						return m
					}
					return v.String()
				})
			}
			return rt.vm.ToValue(text)
		},
	})
}

// userLanguage is the localization.language of a user's record ("" when
// unset or unreadable).
func (rt *runtime) userLanguage(id string) string {
	users := rt.e.app.Entity(usersEntity)
	if users == nil || len(rt.e.app.Translations) == 0 {
		return ""
	}
	doc, err := rt.e.data.Get(rt.x.ctx, data.ScriptCaller(nil, rt.x.source), users, id, nil)
	if err != nil {
		return ""
	}
	_, _, _, v, err := record.Decode(doc)
	if err != nil {
		return ""
	}
	loc, _ := v["localization"].(map[string]any)
	lang, _ := loc["language"].(string)
	return app.LanguageName(lang)
}
