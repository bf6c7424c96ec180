package query

import (
	"encoding/json"
	"fmt"
	"math"
)

// BindValue converts a condition value to what the stores bind and what
// Match compares (the one rule of both): booleans as 1/0 (the stores'
// JSON functions yield 1/0 for true/false), every integer as int64, every
// float as float64, a json.Number as the first of int64, float64 and its
// text that holds it.
func BindValue(v any) (any, error) {
	switch x := v.(type) {
	case nil, string, int64, float64:
		return x, nil
	case bool:
		if x {
			return int64(1), nil
		}
		return int64(0), nil
	case int:
		return int64(x), nil
	case int8:
		return int64(x), nil
	case int16:
		return int64(x), nil
	case int32:
		return int64(x), nil
	case uint8:
		return int64(x), nil
	case uint16:
		return int64(x), nil
	case uint32:
		return int64(x), nil
	case uint:
		if uint64(x) > math.MaxInt64 {
			return nil, fmt.Errorf("value %d out of range", x)
		}
		return int64(x), nil
	case uint64:
		if x > math.MaxInt64 {
			return nil, fmt.Errorf("value %d out of range", x)
		}
		return int64(x), nil
	case float32:
		return float64(x), nil
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i, nil
		}
		if f, err := x.Float64(); err == nil {
			return f, nil
		}
		return string(x), nil
	}
	return nil, fmt.Errorf("unsupported query value of type %T", v)
}
