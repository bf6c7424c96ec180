package script

import (
	"crypto/rand"
	"encoding/binary"

	"github.com/dop251/goja"

	"runway/types"
)

// sysNumbers is sys.utils.numbers: BigNumber, format and a random value.
func (rt *runtime) sysNumbers() *goja.Object {
	o := rt.obj(map[string]func(goja.FunctionCall) goja.Value{
		"format": func(c goja.FunctionCall) goja.Value {
			v := numberNative(arg(c, 0))
			d := numberDisplay(rt.e.app.DisplayOptions[types.Decimal], arg(c, 1))
			return rt.vm.ToValue(types.Format(types.Decimal, nil, d, v, nil))
		},
		"getRandomValue": func(goja.FunctionCall) goja.Value {
			// 53 random bits: every double in [0, 1) with that spacing.
			var b [8]byte
			_, _ = rand.Read(b[:])
			return rt.vm.ToValue(float64(binary.BigEndian.Uint64(b[:])>>11) / (1 << 53))
		},
	})
	_ = o.Set("BigNumber", rt.bigConstructor())
	return o
}

// numberNative reads a number, numeric string or BigNumber as the native
// value types.Format takes; anything else is shown as its string.
func numberNative(v goja.Value) any {
	if b, ok := hostOf[*bigHost](v); ok {
		return b.d.String()
	}
	if isNothing(v) {
		return nil
	}
	if x := exportJSON(v); x != nil {
		if _, isMap := x.(map[string]any); !isMap {
			return x
		}
	}
	return v.String()
}

// numberDisplay merges the number format options of the scripting API
// over base display options: thousandsSeparator, limitNumberOfDecimals
// with numberOfDecimals (2 when not given) and limitRuleType (TRUNCATE,
// the default, or ROUND). numberOfDecimals alone limits the decimals too.
func numberDisplay(base types.Display, opts goja.Value) types.Display {
	d := types.Display{}
	for k, v := range base {
		d[k] = v
	}
	o, ok := opts.(*goja.Object)
	if !ok {
		return d
	}
	if v := o.Get("thousandsSeparator"); !isNothing(v) {
		d["thousandsSeparator"] = v.ToBoolean()
	}
	limit, set := false, false
	if v := o.Get("limitNumberOfDecimals"); !isNothing(v) {
		limit, set = v.ToBoolean(), true
	}
	n := o.Get("numberOfDecimals")
	if !isNothing(n) && !set {
		limit, set = true, true
	}
	if !set {
		return d
	}
	if !limit {
		delete(d, "numberOfDecimals")
		return d
	}
	d["numberOfDecimals"] = int64(2)
	if !isNothing(n) {
		d["numberOfDecimals"] = n.ToInteger()
	}
	d["decimalLimitRuleType"] = "truncate"
	if v := o.Get("limitRuleType"); !isNothing(v) && v.String() != "" {
		d["decimalLimitRuleType"] = v.String()
	}
	return d
}
